import { reportPort } from '../lib/child-server.js';
import { listenHelloWorld } from '../lib/hello-world.js';

void listenHelloWorld().then(reportPort);
