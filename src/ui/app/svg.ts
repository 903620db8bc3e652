/**
 * `h` for SVG: elements made with createElementNS and text as text nodes, never markup, so a
 * task name or an error holding `<script>` is drawn as text.
 */
const NS = 'http://www.w3.org/2000/svg';
type Child = Node | string | null | undefined | false | Child[];

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number | undefined | null> | null = null, ...children: Child[]): SVGElementTagNameMap[K] {
  const element = document.createElementNS(NS, tag);
  for (const [name, value] of Object.entries(attrs ?? {})) if (value !== undefined && value !== null) element.setAttribute(name, String(value));
  const add = (items: Child[]) => {
    for (const child of items) {
      if (child === null || child === undefined || child === false) continue;
      if (Array.isArray(child)) add(child);
      else element.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    }
  };
  add(children);
  return element;
}

/** Text cut to `max` characters with an ellipsis, for labels in a fixed-size box. */
export const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
