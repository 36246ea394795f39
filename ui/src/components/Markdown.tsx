import { lazy, memo, Suspense } from 'react';

/*
 * The Markdown pipeline (with highlight.js grammars) is most of the bundle: it loads as its own
 * chunk, fetched right away but without holding up the first paint. Until it is there the text
 * shows as plain text, which is never HTML either.
 */
const load = () => import('./MarkdownRenderer');
const MarkdownRenderer = lazy(load);
void load();

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <Suspense fallback={<p className="plain">{text}</p>}>
      <MarkdownRenderer text={text} />
    </Suspense>
  );
});
