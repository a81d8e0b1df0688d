// A courier's assignment preview (GET /couriers/{id}/assignment, contract 10.2): click a row of the courier table to
// see what an assign would hand that courier now and why the other pending orders are left out. Read-only.
// Kept apart from dashboard.js so the two can change independently.
(function () {
  'use strict';

  async function showAssignmentPreview(courierId) {
    const box = document.getElementById('courier-preview');
    if (!box) return;
    box.hidden = false;
    box.querySelector('h3').textContent = `Courier ${courierId}: what an assign would hand out now`;
    const text = box.querySelector('pre');
    text.textContent = 'loading…';
    try {
      const response = await fetch(`/couriers/${encodeURIComponent(courierId)}/assignment`, { headers: { Accept: 'application/json' } });
      const p = await response.json();
      if (!response.ok) {
        text.textContent = p.detail || JSON.stringify(p);
        return;
      }
      const orders = p.would_assign.map((o) => `#${o.order_id} (${o.weight} kg, region ${o.region})`).join(', ') || 'nothing';
      const l = p.left_out;
      text.textContent =
        `${p.courier_type}, capacity ${p.capacity} kg` +
        (p.open_bundle ? `; open bundle since ${p.open_bundle.assign_time}` : '') + '\n' +
        `would assign: ${orders}; total ${p.total_weight} kg\n` +
        `pending left out: ${l.other_region} in other regions, ${l.hours_do_not_overlap} outside the working hours, ` +
        `${l.heavier_than_capacity} too heavy, ${l.fits_but_not_chosen} fit but not chosen`;
    } catch (e) {
      text.textContent = `could not load the preview: ${e.message}`;
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const table = document.querySelector('#couriers tbody');
    if (!table) return;
    table.addEventListener('click', (event) => {
      const row = event.target.closest('tr[data-courier-id]');
      if (row) showAssignmentPreview(row.dataset.courierId);
    });
  });
})();
