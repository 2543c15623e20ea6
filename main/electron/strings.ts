// What the Electron shell itself says to a person or writes to its log; the UI's strings live in renderer/src/strings.ts.
export const text = {
  appTitle: 'Школьный регистр',
  openFailedTitle: 'Не удалось открыть реестр',
  startFailed: (detail: string) => `Программа не запустилась: ${detail}`,
  foreignSender: 'Запрос пришёл не из окна программы и отклонён',
  badEnvelope: 'Запрос не похож на вызов программы: нужны method (строка), args и session (строка или null)',
  internal: 'Внутренняя ошибка программы; подробности записаны в журнал',
} as const;
