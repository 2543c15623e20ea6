// Reserved for: state exams, portfolio, change tracking, packet outbox (issue 6). Filled in by the branch that builds it; until then it changes nothing.
export default `
-- reserved
`;
