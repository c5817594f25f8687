// The demo page's script: shows the live event stream and the sub-resources the page loaded.
'use strict';

const $ = (id) => document.getElementById(id);

function showLive() {
  const status = $('live-status');
  if (typeof EventSource !== 'function') {
    status.textContent = 'This browser has no EventSource.';
    status.className = 'note off';
    return;
  }
  const source = new EventSource('/__trama/events');
  let opened = false;
  source.addEventListener('open', () => {
    opened = true;
    status.textContent = 'Live: connected to /__trama/events.';
    status.className = 'note ok';
  });
  source.addEventListener('clock', (ev) => {
    const { now } = JSON.parse(ev.data);
    $('clock').textContent = new Date(now).toLocaleTimeString();
  });
  source.addEventListener('counter', (ev) => {
    const data = JSON.parse(ev.data);
    $('counter').textContent = String(data.count);
    $('clients').textContent = String(data.clients);
  });
  source.addEventListener('error', () => {
    if (!opened || source.readyState === EventSource.CLOSED) {
      // A 404 (or any non-event-stream answer) closes the EventSource for good.
      status.textContent = source.readyState === EventSource.CLOSED
        ? 'The live stream is not available on this server (started with --no-live, or without trama\'s event-stream helper).'
        : 'Reconnecting…';
      status.className = 'note off';
    } else {
      status.textContent = 'Connection lost, reconnecting…';
      status.className = 'note off';
    }
  });
}

function showResources() {
  const body = document.querySelector('#resources tbody');
  const fmt = (n) => (n === undefined ? '?' : n < 1024 ? `${n} B` : `${(n / 1024).toFixed(1)} KiB`);
  const entries = [performance.getEntriesByType('navigation')[0], ...performance.getEntriesByType('resource')].filter(Boolean);
  for (const e of entries) {
    if (e.name.includes('/__trama/')) continue;
    const row = document.createElement('tr');
    const cells = [
      new URL(e.name).pathname,
      e.initiatorType,
      // 0 bytes transferred with a size: the browser revalidated it (304) or used its cache.
      e.transferSize === 0 && e.decodedBodySize > 0 ? 'cache / 304' : fmt(e.transferSize),
      fmt(e.decodedBodySize),
    ];
    for (const text of cells) {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
    }
    body.append(row);
  }
}

for (const el of document.querySelectorAll('.origin')) el.textContent = location.origin;
showLive();
window.addEventListener('load', () => setTimeout(showResources, 0));
