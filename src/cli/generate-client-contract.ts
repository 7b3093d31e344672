import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLIENT_CONTRACT_PATH, renderClientContract } from './client-contract/client-contract.js';

// Run by `npm run build` after the server is compiled: dist/cli/ is two levels below the root.
const target = fileURLToPath(new URL(`../../${CLIENT_CONTRACT_PATH}`, import.meta.url));
writeFileSync(target, renderClientContract());
