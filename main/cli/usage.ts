/** A command line that cannot be run as given: exit code 1 with the message (see the help). */
export class UsageError extends Error {}
