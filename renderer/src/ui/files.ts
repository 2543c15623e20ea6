// Files between the clerk and the backend, as base64 both ways: a file the clerk picks (a PDF to verify, the school's
// PKCS#12) goes up with readBase64; a file the backend made (a workbook, a certified PDF) comes down with saveFile,
// the one way the UI saves backend bytes: a download under the backend's file name.

/** The file's bytes as base64, without the data: URL prefix. */
export function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}

const MIME: Record<string, string> = {
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

/** Saves the backend's bytes as a download named as the backend named it (the name carries a printout's code). */
export function saveFile(fileName: string, dataBase64: string) {
  const bytes = Uint8Array.from(atob(dataBase64), (c) => c.charCodeAt(0));
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1].toLowerCase() ?? '';
  const url = URL.createObjectURL(new Blob([bytes], { type: MIME[ext] ?? 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

