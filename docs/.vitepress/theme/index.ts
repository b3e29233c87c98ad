import DefaultTheme from 'vitepress/theme';
import { inBrowser, useRoute } from 'vitepress';
import { nextTick, onMounted, watch } from 'vue';
import './custom.css';

/**
 * Mermaid diagrams: the Markdown keeps the source (GitHub renders it too); config.mts turns each
 * ```mermaid block into a .mermaid-source element, and here, in the browser only, mermaid (loaded
 * on demand from the site's own bundle, no CDN) replaces it with the drawn SVG. The source stays
 * available under "Diagram source".
 */
let seq = 0;
async function renderMermaid(): Promise<void> {
  const blocks = [...document.querySelectorAll<HTMLElement>('.mermaid-source:not([data-rendered])')];
  if (blocks.length === 0) return;
  const { default: mermaid } = await import('mermaid');
  const dark = document.documentElement.classList.contains('dark');
  mermaid.initialize({ startOnLoad: false, securityLevel: 'strict', theme: dark ? 'dark' : 'default' });
  for (const el of blocks) {
    el.dataset.rendered = 'pending';
    const source = el.querySelector('pre')?.textContent ?? '';
    try {
      const { svg } = await mermaid.render(`parley-mermaid-${++seq}`, source);
      const figure = document.createElement('div');
      figure.className = 'mermaid-diagram';
      figure.innerHTML = svg;
      el.prepend(figure);
      el.querySelector('.mermaid-label')!.textContent = 'Diagram source';
      el.querySelector('details')?.removeAttribute('open');
      el.dataset.rendered = 'svg';
    } catch (err) {
      el.dataset.rendered = 'error';
      console.error('mermaid: could not render a diagram', err);
    }
  }
}

export default {
  extends: DefaultTheme,
  setup() {
    if (!inBrowser) return;
    const route = useRoute();
    onMounted(() => void renderMermaid());
    watch(
      () => route.path,
      () => nextTick(() => void renderMermaid()),
    );
  },
};
