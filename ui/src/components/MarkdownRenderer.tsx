import { memo } from 'react';
import ReactMarkdown, { type Components } from 'react-markdown';
import rehypeHighlight from 'rehype-highlight';
import remarkGfm from 'remark-gfm';

/*
 * Model output is untrusted. react-markdown never renders raw HTML (no rehype-raw here): an HTML
 * tag in the text is shown as the literal text it is. Its default urlTransform drops javascript:
 * and other unsafe link targets.
 */
const remarkPlugins = [remarkGfm];
const rehypePlugins = [rehypeHighlight];

const components: Components = {
  // Links leave the app in a new tab, without handing it our window.
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer nofollow" />,
  // No images from model output: they would be requests we did not choose (and CSP blocks most).
  img: ({ alt, src }) => <span className="md-image">[image: {alt || (typeof src === 'string' ? src : '')}]</span>,
};

const MarkdownRenderer = memo(function MarkdownRenderer({ text }: { text: string }) {
  return (
    <ReactMarkdown remarkPlugins={remarkPlugins} rehypePlugins={rehypePlugins} components={components}>
      {text}
    </ReactMarkdown>
  );
});

export default MarkdownRenderer;
