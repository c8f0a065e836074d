// Wakes the page's islands (see `app::shell` for why this replaces Leptos's own script).
// Starts once the page has painted and is idle, so the WASM never competes with what paints
// the page, and gives every step its own task, so no single task keeps the page from
// answering input.
(() => {
  const files = document.querySelector("script[data-wasm]").dataset;
  const idle = (f) => ("requestIdleCallback" in window ? requestIdleCallback(f) : setTimeout(f, 1));
  const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
  // A task queued from an animation frame runs after that frame has painted.
  const painted = (f) => requestAnimationFrame(() => setTimeout(f, 0));
  painted(() => idle(async () => {
    const wasm = await import(files.js);
    await wasm.default({ module_or_path: files.wasm });
    await nextTask();
    wasm.hydrate();
    // Each island wakes on its own, in document order: one inside a form island (a new
    // password's input) too, since an island leaves the children it wraps to the islands among
    // them, and none of ours needs its outer island's context. A client-side navigation
    // (navigate.rs) brings new ones and says so with `islands:swapped`.
    const wakeAll = async () => {
      for (const island of document.querySelectorAll("leptos-island:not([data-woken])")) {
        island.setAttribute("data-woken", "");
        await nextTask();
        const wake = wasm[island.dataset.component];
        if (wake) wake(island);
        else console.warn(`no WASM function for the island ${island.dataset.component}`);
      }
    };
    document.addEventListener("islands:swapped", wakeAll);
    await wakeAll();
  }));
})();
