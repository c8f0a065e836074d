// Answers the page with the browser's IANA time zone, then ends. A worker, because the first
// use of Intl starts ICU, which costs the page's main thread its longest task (about 25 ms here,
// 110 ms on Lighthouse's slow phone); see `remember_time_zone` in src/ui/components/enhance.rs.
postMessage(Intl.DateTimeFormat().resolvedOptions().timeZone);
close();
