import { forwardRef, type InputHTMLAttributes } from 'react';
import { t } from '../strings';

type Props = Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'className'> & {
  /** the chosen file's name, shown beside the button; null before a choice */
  fileName: string | null;
};

/**
 * A file input that speaks Russian whatever the browser's language: the browser's own «Choose File / No file chosen»
 * follows its locale, not the page's. The native input stays (visually hidden, still focusable and labelled by the
 * caller's <label htmlFor>), so the keyboard, screen readers and file dialogs work as before; the visible part is a
 * label that opens the same dialog, and the chosen name.
 */
export const FilePicker = forwardRef<HTMLInputElement, Props>(function FilePicker({ fileName, id, disabled, ...rest }, ref) {
  return (
    <span className={`file-picker${disabled ? ' is-disabled' : ''}`}>
      <input {...rest} id={id} ref={ref} type="file" disabled={disabled} className="visually-hidden file-picker-input" />
      <label htmlFor={id} className="button file-picker-button" aria-hidden="true">{t.common.chooseFile}</label>
      <span className={fileName ? 'file-picker-name' : 'file-picker-name muted'} data-testid={id ? `${id}-name` : undefined}>
        {fileName ?? t.common.noFileChosen}
      </span>
    </span>
  );
});
