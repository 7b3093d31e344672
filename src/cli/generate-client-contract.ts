import { fileURLToPath } from 'node:url';
import { CLIENT_CONTRACT_DIR, renderClientContract } from './client-contract/client-contract.js';
import { writeChangedFiles } from './client-contract/write-folder.js';

// Run by `npm run build` after the server is compiled: dist/cli/ is two levels below the root.
// Only the files whose content changed are written, so the client's incremental build has nothing to do otherwise.
writeChangedFiles(fileURLToPath(new URL(`../../${CLIENT_CONTRACT_DIR}`, import.meta.url)), renderClientContract());
