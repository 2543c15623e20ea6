// Files the clerk picks (a PDF to verify, the school's PKCS#12) travel to the backend as base64.

/** The file's bytes as base64, without the data: URL prefix. */
export function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result).replace(/^data:[^,]*,/, ''));
    r.onerror = () => reject(r.error);
    r.readAsDataURL(file);
  });
}
