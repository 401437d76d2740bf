"""The print edition of the book: what ``python tools/build_pdf.py`` does after the single-page build.

- :mod:`tools.pdfbook.prepare` turns the single-page HTML into a book for paged
  media (title page, contents, parts, chapters on new pages with running heads,
  solutions and a short API listing as appendices, no web controls);
- ``book.css`` is its print stylesheet (A4, page numbers, running heads, breaks);
- ``layout.js`` runs in the page before printing (waits for MathJax, fits wide
  equations and tables, lets only long code blocks split, writes page numbers in);
- :mod:`tools.pdfbook.printer` prints it with Playwright's Chromium, twice:
  the second pass writes in the page numbers read from the first PDF.
"""
