// Small DOM helpers. Data from files is only ever written with textContent (never innerHTML).

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`demo page: missing element #${id}`);
  return element as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  options: { className?: string; text?: string; title?: string } = {},
  children: (Node | null)[] = [],
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  if (options.title) element.title = options.title;
  for (const child of children) if (child) element.append(child);
  return element;
}

export function setText(id: string, text: string): void {
  byId(id).textContent = text;
}

/** Shows a message in an error element, or hides it with null. */
export function showError(id: string, message: string | null): void {
  const element = byId(id);
  element.textContent = message ?? '';
  element.hidden = message === null;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

const integerFormat = new Intl.NumberFormat('en-US');
export const formatInt = (n: number): string => integerFormat.format(Math.round(n));

export function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

export const formatAuc = (auc: number): string => (Number.isFinite(auc) ? auc.toFixed(3) : '–');

/** Reads a number input, falling back when it is empty or invalid. */
export function numberValue(id: string, fallback: number): number {
  const value = byId<HTMLInputElement>(id).valueAsNumber;
  return Number.isFinite(value) ? value : fallback;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args: A) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}


// A blob URL must outlive the click that starts its download (some browsers read it later).
const downloadUrlLifetimeMs = 30_000;

/** Offers `bytes` to the user as a file download named `name`. */
export function downloadBytes(bytes: Uint8Array<ArrayBuffer>, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
  const link = el('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), downloadUrlLifetimeMs);
}
