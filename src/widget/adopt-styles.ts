// Styles into the widget's shadow root without inline <style> where possible.

/**
 * Adds `css` to `root`: as a constructed stylesheet where the browser has
 * them (unlike a <style> element it needs no 'unsafe-inline' in the site's
 * Content-Security-Policy), else as a <style> element. Sheets added earlier
 * stay; later ones win on equal specificity.
 */
export function adoptStyles(root: ShadowRoot, css: string): void {
  if ("adoptedStyleSheets" in root && typeof CSSStyleSheet !== "undefined" && "replaceSync" in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(css);
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    return;
  }
  const style = document.createElement("style");
  style.textContent = css;
  root.append(style);
}
