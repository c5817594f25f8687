import { TreeScheduler } from '../../../../src/wire/h2/priority/index.js';
import { serve, ready, A, B, C } from './service.js';
const t = new TreeScheduler();
t.open(A, { weight: 32 }); t.open(B, { weight: 32 }); t.open(C, { weight: 16 });
ready(t, A, B, C);
console.log(serve(t, 5));
