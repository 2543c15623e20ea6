// Reserved for: archive manifest and backup media (issue 5). Filled in by the branch that builds it; until then it changes nothing.
export default `
-- reserved
`;
