import { reportPort } from '../lib/child-server.js';
import { listenHelloWorld } from '../lib/hello-world.js';

void listenHelloWorld(process.argv[2] === 'app-server' ? 'app-server' : 'stock').then(reportPort);
