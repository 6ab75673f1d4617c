// The game-day panel's, run once with it: when a verdict appears (Finish, Halt), scroll it
// into view just under the sticky header; the room was looking at the last card when it clicked.
(function () {
  if (window.bookstoreResilShowsVerdicts) { return; }
  window.bookstoreResilShowsVerdicts = true;
  const wanted = ".resil-verdict .resil-headline";
  new MutationObserver(function (changes) {
    for (const change of changes) {
      for (const node of change.addedNodes) {
        if (!(node instanceof Element)) { continue; }
        const headline = node.matches(wanted) ? node : node.querySelector(wanted);
        if (!headline) { continue; }
        const panel = headline.closest(".resil-verdict").parentElement;
        const header = panel && panel.querySelector(".resil-header");
        const place = function () {
          headline.style.scrollMarginTop = ((header ? header.offsetHeight : 0) + 8) + "px";
          headline.scrollIntoView({block: "start"});
        };
        setTimeout(place, 100);
        if (header) {  // the banner grows as the archive is written: keep the verdict clear
          const resized = new ResizeObserver(place);
          resized.observe(header);
          setTimeout(function () { resized.disconnect(); }, 5000);
        }
        return;
      }
    }
  }).observe(document.body, {childList: true, subtree: true});
})();
