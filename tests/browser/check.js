// Opens ecsnet's HTML picture in Debian's Chromium (headless), takes a screenshot at the
// viewport asked, clicks a box and a verdict arrow, and prints what the side panel showed as
// one JSON line: { box: {title, text}, verdict: {title, text}, overflow }; a second
// screenshot, SHOT-clicked.png, shows the verdict's panel open.
// Usage: node check.js PAGE.html SHOT.png WIDTHxHEIGHT BOX_ID
const { chromium } = require('playwright-core');

(async () => {
  const [page_file, shot, size, box] = process.argv.slice(2);
  const [width, height] = size.split('x').map(Number);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    // As root and on a closed network: no sandbox, no background connections.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width, height } });
    await page.goto('file://' + page_file);
    await page.screenshot({ path: shot });
    // The picture fits the screen: nothing scrolls.
    const overflow = await page.evaluate(() => {
      const p = document.getElementById('pic');
      return p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1;
    });
    const panel = async () => ({
      title: await page.textContent('#t'),
      text: await page.textContent('#d'),
    });
    // On the box's title, where no arrow runs.
    await page.click('#' + box, { force: true, position: { x: 30, y: 8 } });
    const boxShown = await panel();
    await page.click('#verdicts g[data-verdict="0"]', { force: true });
    const verdictShown = await panel();
    // The panel open over the picture, as a class sees it after the click.
    await page.screenshot({ path: shot.replace(/\.png$/, '-clicked.png') });
    console.log(JSON.stringify({ box: boxShown, verdict: verdictShown, overflow }));
  } finally {
    await browser.close();
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
