// node's test/common/gc: onGC(object, { ongc }) calls ongc once the object is collected.
// While a watched object is alive the process is kept running (a ref'd timer), so a script
// waiting for a collection that never comes fails by timing out instead of exiting early.
'use strict';

let watched = 0;
let keepAlive;
const registry = new FinalizationRegistry((listener) => {
  watched -= 1;
  if (watched === 0) {
    clearInterval(keepAlive);
    keepAlive = undefined;
  }
  listener.ongc();
});

function onGC(target, listener) {
  registry.register(target, listener);
  watched += 1;
  // The interval only keeps the event loop alive; its period is arbitrary.
  keepAlive ??= setInterval(() => {}, 1000);
}

module.exports = { onGC };
