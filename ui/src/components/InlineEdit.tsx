import { useRef } from 'react';

interface Props {
  testId: string;
  label: string;
  initial: string;
  placeholder?: string;
  onSave: (value: string) => void;
  onCancel: () => void;
}

/** One-line editor: Enter saves, Escape (or leaving the field) cancels. */
export function InlineEdit({ testId, label, initial, placeholder, onSave, onCancel }: Props) {
  const done = useRef(false); // the field may blur as it unmounts after Enter
  const finish = (fn: () => void) => {
    if (done.current) return;
    done.current = true;
    fn();
  };
  return (
    <input
      className="inline-edit"
      data-testid={testId}
      aria-label={label}
      defaultValue={initial}
      placeholder={placeholder}
      autoFocus
      onFocus={(e) => e.currentTarget.select()}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && !e.nativeEvent.isComposing) {
          e.preventDefault();
          const value = e.currentTarget.value;
          finish(() => onSave(value));
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.stopPropagation();
          finish(onCancel);
        }
      }}
      onBlur={() => finish(onCancel)}
    />
  );
}
