// Reserved for: certified printouts, attestats and blank forms (issue 4). Filled in by the branch that builds it; until then it changes nothing.
export default `
-- reserved
`;
