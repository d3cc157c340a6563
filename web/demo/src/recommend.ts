// Step 5: a chosen user's liked items and top-k recommendations (hits marked), and the items
// most similar to a chosen item. Every name from a file is written as text.
import type { ItemView, WorkerRecommender } from 'tripletrec';
import { byId, debounce, el, formatInt, numberValue, setText, showError } from './dom';
import { stepErrorMessage } from './engine-crash';
import { engineDefaults } from './engine-defaults';

/** Datalists with tens of thousands of options make typing sluggish; any id can still be typed. */
const maxListOptions = 5000;
const maxLikedShown = 10;

export function itemName(item: ItemView): string {
  // Names and genres arrive decoded: the engine turns the anime file's HTML entities into text.
  return item.name ? item.name : `item #${item.id}`;
}

function itemRow(item: ItemView, options: { score: boolean; hits: boolean }): HTMLLIElement {
  const meta = [item.type, item.genres, item.popularity > 0 ? `${formatInt(item.popularity)} ratings` : '']
    .filter(Boolean).join(' · ');
  const hit = options.hits && item.inTest;
  const row = el('li', { className: hit ? 'item hit' : 'item' }, [
    el('div', { className: 'item-text' }, [
      el('span', { className: 'item-name', text: itemName(item) }),
      meta ? el('span', { className: 'item-meta', text: meta }) : null,
    ]),
    options.score && Number.isFinite(item.score) ? el('span', { className: 'item-score', text: item.score.toFixed(3), title: 'model score' }) : null,
    hit ? el('span', { className: 'hit-mark', text: '✓', title: 'liked in the test set: a hit' }) : null,
  ]);
  return row;
}

export class RecommendSection {
  private engine: WorkerRecommender | null = null;
  private users = new Set<number>();
  private itemsByLabel = new Map<string, number>();
  private readonly userInput = byId<HTMLInputElement>('user-input');
  private readonly itemInput = byId<HTMLInputElement>('item-input');
  private readonly randomButton = byId<HTMLButtonElement>('random-user');
  private userSequence = 0;
  private itemSequence = 0;

  constructor() {
    const showUser = debounce(() => void this.showUser(), 250);
    this.userInput.addEventListener('input', showUser);
    byId('top-k').addEventListener('input', showUser);
    this.itemInput.addEventListener('input', debounce(() => void this.showSimilar(), 250));
    this.randomButton.addEventListener('click', () => {
      const ids = [...this.users];
      if (ids.length === 0) return;
      this.userInput.value = String(ids[Math.floor(Math.random() * ids.length)]);
      void this.showUser();
    });
  }

  clear(): void {
    this.engine = null;
    this.users.clear();
    this.itemsByLabel.clear();
    this.setEnabled(false);
    this.userInput.value = '';
    this.itemInput.value = '';
    this.userInput.placeholder = 'Train a model first';
    byId('user-list').replaceChildren();
    byId('item-list').replaceChildren();
    for (const id of ['user-liked', 'user-recs', 'similar-items']) byId(id).replaceChildren();
    setText('user-summary', '');
    showError('rec-error', null);
  }

  setEnabled(enabled: boolean): void {
    const ready = enabled && this.engine !== null;
    this.userInput.disabled = !ready;
    this.itemInput.disabled = !ready;
    this.randomButton.disabled = !ready;
  }

  /** After training: fills the user and item pickers and shows a first user with held-out likes. */
  async activate(engine: WorkerRecommender, itemCount: number): Promise<void> {
    const topK = byId<HTMLInputElement>('top-k');
    if (topK.value === '') topK.value = String(engineDefaults().evaluate.k);
    this.engine = engine;
    try {
      const users = await engine.users();
      this.users = new Set(users);
      byId('user-list').replaceChildren(...users.slice(0, maxListOptions).map((id) => new Option('', String(id))));
      const items = await engine.popular(itemCount);
      this.itemsByLabel = new Map(items.map((item) => [`${itemName(item)} (#${item.id})`, item.id]));
      byId('item-list').replaceChildren(...[...this.itemsByLabel.keys()].slice(0, maxListOptions).map((label) => new Option('', label)));
      this.userInput.placeholder = 'Type or pick a user id';
      this.setEnabled(true);
      if (!this.users.has(Number(this.userInput.value))) this.userInput.value = String(await this.userWithTestLikes(users));
      // A new model changes the similar items too (showUser fills them only when none is chosen).
      const itemChosen = this.itemInput.value !== '';
      await this.showUser();
      if (itemChosen) await this.showSimilar();
    } catch (error) {
      showError('rec-error', stepErrorMessage(error));
    }
  }

  /** The first of the first few users who has liked items in the test set (so hits can show). */
  private async userWithTestLikes(users: number[]): Promise<number> {
    for (const user of users.slice(0, 20)) {
      if ((await this.engine!.userHistory(user)).test.length > 0) return user;
    }
    return users[0];
  }

  private async showUser(): Promise<void> {
    const engine = this.engine;
    const user = Number(this.userInput.value);
    if (!engine || !this.users.has(user)) {
      if (this.userInput.value !== '') setText('user-summary', 'Unknown user id: pick one from the list.');
      return;
    }
    const k = numberValue('top-k', engineDefaults().evaluate.k);  // the engine checks it
    const sequence = ++this.userSequence;
    try {
      const [history, recommendations] = [await engine.userHistory(user), await engine.recommend(user, k)];
      if (sequence !== this.userSequence) return;
      const hits = recommendations.filter((item) => item.inTest).length;
      setText('user-summary', `User ${user}: ${history.train.length} liked in training, ${history.test.length} held out for the test. ` +
        `${hits} of the top ${k} are hits.`);
      const liked = history.train.slice(0, maxLikedShown).map((item) => itemRow(item, { score: false, hits: false }));
      if (history.train.length > maxLikedShown) liked.push(el('li', { className: 'more muted', text: `+ ${history.train.length - maxLikedShown} more` }));
      byId('user-liked').replaceChildren(...liked);
      byId('user-recs').replaceChildren(...recommendations.map((item) => itemRow(item, { score: true, hits: true })));
      showError('rec-error', null);
      if (this.itemInput.value === '' && recommendations.length > 0) {
        this.itemInput.value = `${itemName(recommendations[0])} (#${recommendations[0].id})`;
        await this.showSimilar();
      }
    } catch (error) {
      showError('rec-error', stepErrorMessage(error));
    }
  }

  /** Accepts a label from the list, a bare item id, or an exact item name. */
  private selectedItem(): number | null {
    const text = this.itemInput.value.trim();
    const fromLabel = this.itemsByLabel.get(text);
    if (fromLabel !== undefined) return fromLabel;
    const idMatch = /^#?(\d+)$/.exec(text) ?? /\(#(\d+)\)$/.exec(text);
    if (idMatch) return Number(idMatch[1]);
    for (const [label, id] of this.itemsByLabel) if (label.toLowerCase().startsWith(`${text.toLowerCase()} (#`)) return id;
    return null;
  }

  private async showSimilar(): Promise<void> {
    const engine = this.engine;
    const item = this.selectedItem();
    if (!engine || item === null) return;
    const sequence = ++this.itemSequence;
    try {
      const similar = await engine.similarItems(item, 10);
      if (sequence !== this.itemSequence) return;
      byId('similar-items').replaceChildren(...similar.map((view) => itemRow(view, { score: true, hits: false })));
      showError('rec-error', null);
    } catch (error) {
      if (sequence === this.itemSequence) showError('rec-error', stepErrorMessage(error));
    }
  }
}
