// Imported first by main.tsx: the contract's schemas are built when their module loads, and zod probes
// for `new Function` while building them. The page runs under a strict CSP (no eval), so tell zod
// before any schema exists, or the probe shows up as a CSP violation.
import { z } from 'zod';

z.config({ jitless: true });
