import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLIENT_CONTRACT_PATH, renderClientContract } from './client-contract/client-contract.js';

// Run by `npm run build` after the server is compiled: dist/cli/ is two levels below the root.
// Written only when it changes, so the client's incremental build has nothing to do otherwise.
const target = fileURLToPath(new URL(`../../${CLIENT_CONTRACT_PATH}`, import.meta.url));
const contract = renderClientContract();
if (!existsSync(target) || readFileSync(target, 'utf8') !== contract) writeFileSync(target, contract);
