using Microsoft.Playwright;

namespace SweetsStore.Tests.Browser;

/// <summary>What a person sees as broken layout, measured in the page: overlaps and things that spill out.</summary>
public static class Layout
{
    // Every visible table's cells, row by row, must not overlap, and what a cell holds (badges, buttons, bars, links) must
    // stay inside it; blocks laid out side by side (cards, charts, the two tables of a pair, the header's parts, search
    // results) must not overlap each other; nothing may make the page wider than the window.
    private const string Script =
        """
        () => {
          const E = 0.5;
          const problems = [];
          const box = (e) => e.getBoundingClientRect();
          const shown = (e) => { const r = box(e); const s = getComputedStyle(e); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
          const name = (e) => (e.id ? `#${e.id}` : e.tagName.toLowerCase() + (typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\s+/).join('.') : ''))
            + (e.textContent ? ` "${e.textContent.trim().replace(/\s+/g, ' ').slice(0, 30)}"` : '');
          const overlap = (a, b) => a.left < b.right - E && b.left < a.right - E && a.top < b.bottom - E && b.top < a.bottom - E;
          const width = document.documentElement.clientWidth;
          if (document.documentElement.scrollWidth > window.innerWidth + E) {
            problems.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window`);
          }
          for (const table of document.querySelectorAll('table')) {
            if (!shown(table)) continue;
            if (box(table).right > width + E) problems.push(`${name(table)} reaches past the window (${box(table).right} > ${width})`);
            for (const row of table.rows) {
              const cells = [...row.cells].filter(shown);
              for (let i = 1; i < cells.length; i++) {
                if (box(cells[i - 1]).right > box(cells[i]).left + E) problems.push(`${name(table)}: ${name(cells[i - 1])} overlaps ${name(cells[i])}`);
              }
              for (const c of cells) {
                const cb = box(c);
                for (const inner of c.querySelectorAll('.badge, button, .bar, a, b, .rows, .error-text')) {
                  if (!shown(inner)) continue;
                  const r = box(inner);
                  if (r.left < cb.left - E || r.right > cb.right + E) problems.push(`${name(table)}: ${name(inner)} spills out of its cell ${name(c)}`);
                }
              }
            }
          }
          for (const parent of document.querySelectorAll('.cards, .charts, .pair, .top, .found-body, .jobs, .search, figcaption, .pager')) {
            if (!shown(parent)) continue;
            const kids = [...parent.children].filter(shown);
            for (let i = 0; i < kids.length; i++) {
              for (let j = i + 1; j < kids.length; j++) {
                if (overlap(box(kids[i]), box(kids[j]))) problems.push(`${name(kids[i])} overlaps ${name(kids[j])}`);
              }
              if (box(kids[i]).right > width + E) problems.push(`${name(kids[i])} reaches past the window`);
            }
          }
          for (const card of document.querySelectorAll('.card, .chart')) {
            if (!shown(card)) continue;
            const cb = box(card);
            for (const inner of card.querySelectorAll('dt, dd, figcaption, svg, .xaxis')) {
              const r = box(inner);
              if (shown(inner) && (r.left < cb.left - E || r.right > cb.right + E)) problems.push(`${name(inner)} spills out of ${name(card)}`);
            }
          }
          return problems;
        }
        """;

    /// <summary>The layout problems of the page as it stands (empty when none).</summary>
    public static Task<string[]> ProblemsAsync(IPage page) => page.EvaluateAsync<string[]>(Script);
}
