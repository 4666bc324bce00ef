"""The first-run tour (新手引导): a few steps per role pointing at real parts of the page,
shown once after the first login and replayable from the help centre or the palette.
The steps are here (translated on the server); `static/kehu/tour.js` shows them."""
