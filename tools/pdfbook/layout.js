/* The print edition's layout pass (tools/pdfbook/printer.py runs it before printing).

   window.bookLayout(): waits for MathJax, the fonts and the images, then
   - shrinks display equations and tables wider than the text to fit it;
   - lets a block split across pages only when it is taller than a third of the
     page area (class may-split; book.css keeps every other block whole), and
     keeps a code cell's input with its output only when the two take less than
     40 % of a page (class loose), so that no page loses more than that to them,
     and keeps a short paragraph ending in a colon with what it announces;
   and returns counts for the build log.
   window.bookFill(pages): writes the page number of each .pageref's target
   (pages: {id: number}, read from the first PDF) and returns the ids it lacked. */
(function () {
  "use strict";
  const MM = 96 / 25.4;

  async function ready() {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
      await MathJax.startup.promise;
    }
    await document.fonts.ready;
    await Promise.all(Array.from(document.images, (img) =>
      img.complete ? null : new Promise((done) => {
        img.addEventListener("load", done);
        img.addEventListener("error", done);
      })));
  }

  function fit(el, avail) {
    const wide = el.scrollWidth;
    if (wide > avail + 1) {
      el.style.zoom = String(Math.max(0.55, avail / wide));
      return 1;
    }
    return 0;
  }

  window.bookLayout = async function () {
    await ready();
    const pageHeight = parseFloat(getComputedStyle(document.documentElement)
      .getPropertyValue("--page-height-mm")) * MM;
    let fitted = 0;
    for (const el of document.querySelectorAll('mjx-container[display="true"]')) {
      const inner = el.firstElementChild;
      if (inner) fitted += fit(el, el.parentElement.clientWidth) ? 1 : 0;
    }
    for (const el of document.querySelectorAll("table")) {
      fitted += fit(el, el.parentElement.clientWidth);
    }
    let split = 0;
    const blocks = "div.highlight, .cell_output .output, table, .admonition, .rnnlib-feedback";
    for (const el of document.querySelectorAll(blocks)) {
      if (el.getBoundingClientRect().height > pageHeight / 3) {
        el.classList.add("may-split");
        split += 1;
      }
    }
    // An input stays with its output only when the two fit on a page well.
    for (const cell of document.querySelectorAll(".cell")) {
      const input = cell.querySelector(":scope > .cell_input");
      if (input && cell.getBoundingClientRect().height > 0.4 * pageHeight) input.classList.add("loose");
    }
    // A short paragraph that announces what follows ("Things to try:") stays with it.
    for (const p of document.querySelectorAll("section p")) {
      const text = p.textContent.trim();
      if (/[:：]$/.test(text) && p.getBoundingClientRect().height < 3.5 * parseFloat(getComputedStyle(p).lineHeight)) {
        p.classList.add("lead-in");
      }
    }
    const broken = Array.from(document.images).filter((img) => !img.naturalWidth).map((img) => img.src);
    return { fitted, split, broken, pageHeight };
  };

  window.bookFill = function (pages) {
    const missing = [];
    for (const el of document.querySelectorAll(".pageref")) {
      const page = pages[el.dataset.ref];
      if (page === undefined) missing.push(el.dataset.ref);
      el.textContent = page === undefined ? "?" : String(page);
    }
    return missing;
  };
})();
