// Step 4: the moment of truth — AUC of the untrained and the trained model side by side,
// top-k metrics, a table of the runs (and loaded model files) in this tab, and the model summary.
import type { Evaluation, Metrics, ModelSummary } from 'tripletrec';
import { byId, el, formatAuc, formatInt, formatRate, setText } from './dom';
import type { LoadedModel } from './model-file';
import type { RunRecord } from './train';

/** The runs table's Adam cell: the engine's default updates only the rows a batch touched. */
const adamLabel = (kerasExact: boolean): string => (kerasExact ? 'Keras-exact' : 'sparse');

export class ResultsSection {
  private runs = 0;

  clear(): void {
    this.runs = 0;
    byId('runs-table').querySelector('tbody')?.replaceChildren();
    setText('auc-before', '–');
    setText('auc-after', '–');
    setText('auc-after-note', 'per-user ROC AUC');
    showColdAuc(null);
    this.showMetrics(null);
    this.showBaseline(null);
    setText('param-count', '');
    setText('model-summary', 'Train a model to see its layers.');
  }

  showUntrained(before: Evaluation, summary: ModelSummary): void {
    setText('auc-before', formatAuc(before.auc));
    setText('auc-after', '…');
    setText('auc-after-note', 'training…');
    showColdAuc(null);
    this.showMetrics(null);
    this.showBaseline(before.popularity);
    this.showSummary(summary);
  }

  showRun(run: RunRecord): void {
    setText('auc-before', formatAuc(run.before.auc));
    setText('auc-after', formatAuc(run.after.auc));
    setText('auc-after-note', run.result.cancelled
      ? `cancelled after ${run.result.epochsCompleted} of ${run.epochsPlanned} epochs`
      : `per-user ROC AUC after ${run.result.epochsCompleted} epochs`);
    showColdAuc(run.after);
    this.showMetrics(run.after);
    this.runs += 1;
    const row = el('tr', {}, [
      el('td', { text: String(this.runs) }),
      el('td', { text: run.features ? `${run.model} + ${run.features}` : run.model }),
      el('td', { text: adamLabel(run.kerasExact) }),
      el('td', { text: run.negatives }),
      el('td', { text: run.result.cancelled ? `${run.result.epochsCompleted}/${run.epochsPlanned}` : String(run.result.epochsCompleted) }),
      el('td', { text: formatAuc(run.before.auc) }),
      el('td', { className: 'strong', text: formatAuc(run.after.auc) }),
      el('td', { text: coldCell(run.after) }),
      el('td', { className: 'baseline', text: formatAuc(run.after.popularity.auc) }),
      el('td', { text: run.after.precisionAtK.toFixed(3) }),
      el('td', { className: 'baseline', text: run.after.popularity.precisionAtK.toFixed(3) }),
      el('td', { text: run.result.seconds.toFixed(1) }),
      el('td', { text: formatRate(run.result.tripletsPerSecond) }),
    ]);
    byId('runs-table').querySelector('tbody')?.prepend(row);
  }

  /** A model loaded from a file: its AUC as the trained one, a row marked as loaded, no training numbers. */
  showLoaded(loaded: LoadedModel): void {
    setText('auc-before', '–');
    setText('auc-after', formatAuc(loaded.evaluation.auc));
    setText('auc-after-note', `per-user ROC AUC of ${loaded.fileName} (loaded, not trained here)`);
    showColdAuc(loaded.evaluation);
    this.showMetrics(loaded.evaluation);
    this.showSummary(loaded.summary);
    this.runs += 1;
    const none = () => el('td', { className: 'muted', text: '–' });
    const row = el('tr', { className: 'loaded-run' }, [
      el('td', { text: String(this.runs) }),
      el('td', { text: loaded.summary.kind }),
      // The file keeps its optimiser settings, but the package does not report them back.
      el('td', { className: 'muted', text: 'in file', title: 'saved in the model file; a loaded model restarts Adam' }),
      none(),
      el('td', { text: 'loaded', title: loaded.fileName }),
      none(),
      el('td', { className: 'strong', text: formatAuc(loaded.evaluation.auc) }),
      el('td', { text: coldCell(loaded.evaluation) }),
      el('td', { className: 'baseline', text: formatAuc(loaded.evaluation.popularity.auc) }),
      el('td', { text: loaded.evaluation.precisionAtK.toFixed(3) }),
      el('td', { className: 'baseline', text: loaded.evaluation.popularity.precisionAtK.toFixed(3) }),
      none(), none(),
    ]);
    byId('runs-table').querySelector('tbody')?.prepend(row);
  }

  private showMetrics(evaluation: Evaluation | null): void {
    showMetricRow('metric', evaluation);
    setText('metric-users', evaluation ? formatInt(evaluation.users) : '–');
    if (evaluation) this.showBaseline(evaluation.popularity);
  }

  /** The popularity baseline: it depends on the prepared data only, so it shows before training. */
  private showBaseline(popularity: Metrics | null): void {
    showMetricRow('popular', popularity);
  }

  private showSummary(summary: ModelSummary): void {
    setText('param-count', `· ${summary.kind} · ${formatInt(summary.params)} parameters`);
    setText('model-summary', summary.text);
  }
}

/** One row of the metrics table: cells `${prefix}-auc`, `${prefix}-precision`, ... */
function showMetricRow(prefix: string, metrics: Metrics | null): void {
  const metric = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(3));
  setText(`${prefix}-auc`, metric(metrics?.auc));
  setText(`${prefix}-precision`, metric(metrics?.precisionAtK));
  setText(`${prefix}-recall`, metric(metrics?.recallAtK));
  setText(`${prefix}-map`, metric(metrics?.mapAtK));
  setText(`${prefix}-ndcg`, metric(metrics?.ndcgAtK));
}

/** The cold-item AUC beside the warm one: shown only when the split held items out of training. */
function showColdAuc(evaluation: Evaluation | null): void {
  const cold = evaluation !== null && evaluation.nColdItems > 0;
  byId('auc-cold-card').hidden = !cold;
  setText('auc-cold', cold ? formatAuc(evaluation.aucCold) : '–');
  setText('auc-cold-note', cold
    ? `per-user AUC among ${formatInt(evaluation.nColdItems)} items never seen in training`
    : 'items never seen in training');
}

function coldCell(evaluation: Evaluation): string {
  return evaluation.nColdItems > 0 ? formatAuc(evaluation.aucCold) : '–';
}
