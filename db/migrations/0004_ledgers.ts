// Reserved for: sealed ledger versions, corrections (issue 4). Filled in by the branch that builds it; until then it changes nothing.
export default `
-- reserved
`;
