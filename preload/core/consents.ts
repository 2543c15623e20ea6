// Consents to the processing of a student's personal data (152-ФЗ): the purposes a consent is given for, and their
// names as the card, the forms and the subject-access report print them. Pure data, shared by every layer.
export const CONSENT_PURPOSES = ['records', 'regional', 'exams', 'publication', 'photo'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

export const CONSENT_PURPOSE_NAMES: Record<ConsentPurpose, string> = {
  records: 'ведение личного дела, алфавитной книги и журналов',
  regional: 'передача в региональный сегмент и городской реестр',
  exams: 'государственная итоговая аттестация (ОГЭ, ЕГЭ)',
  publication: 'публикация достижений на сайте школы',
  photo: 'фото- и видеосъёмка',
};

export const CONSENT_GIVERS = ['guardian', 'student'] as const;
export type ConsentGiver = (typeof CONSENT_GIVERS)[number];
export const CONSENT_GIVER_NAMES: Record<ConsentGiver, string> = { guardian: 'законный представитель', student: 'сам обучающийся' };

/** What a read of personal data was: a student's card, a list with students in it, a printed document about them. */
export const READ_KINDS = ['card', 'list', 'printout'] as const;
export type ReadKind = (typeof READ_KINDS)[number];
export const READ_KIND_NAMES: Record<ReadKind, string> = { card: 'карточка', list: 'список', printout: 'печатный документ' };

/** The workplace a call came from when the transport names none: the computer that holds the register. */
export const THIS_COMPUTER = 'этот компьютер';
