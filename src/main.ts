import { runServer } from './run.js';

void runServer();
