// What the Electron shell itself says to a person or writes to its log; the UI's strings live in renderer/src/strings.ts.
export const text = {
  appTitle: 'Школьный регистр',
  openFailedTitle: 'Не удалось открыть реестр',
  startFailed: (detail: string) => `Программа не запустилась: ${detail}`,
  foreignSender: 'Запрос пришёл не из окна программы и отклонён',
  badEnvelope: 'Запрос не похож на вызов программы: нужны method (строка), args и session (строка или null)',
  internal: 'Внутренняя ошибка программы; подробности записаны в журнал',
  // «подключиться к реестру» (issue 18): the register another computer serves
  connectFailedTitle: 'Не удалось подключиться к реестру',
  pinTitle: (origin: string) => `Первое подключение к реестру ${origin}`,
  pinDetail: (fingerprint: string) => `Отпечаток сертификата реестра (SHA-256):\n${fingerprint}\n\n` +
    'Сравните его с отпечатком на экране компьютера реестра («Сеть»). Подключайтесь, только если они совпадают до знака: ' +
    'иначе это может быть чужой компьютер.',
  pinConfirm: 'Совпадает — подключиться',
  cancel: 'Отмена',
  servedTitle: 'Реестр открыт другой программой',
  servedDetail: (url: string) => `Этот реестр уже открыт программой, которая открыла его для сети: ${url}. Подключиться к нему?`,
  connect: 'Подключиться',
  quit: 'Выйти',
} as const;
