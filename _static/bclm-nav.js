// The header's menu (☰) and contents (☷) buttons.
// pydata-sphinx-theme binds its narrow-screen drawer to the FIRST ".primary-toggle" /
// ".secondary-toggle" on the page, and sphinx-book-theme binds its wide-screen toggle to the
// same first element; on our pages that is a hidden copy in the site header, so the visible
// buttons in the article header did nothing. Forward their clicks to the bound element.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const buttons = document.querySelectorAll(`.${kind}-toggle`);
    const bound = buttons[0];
    buttons.forEach((button) => {
      if (button === bound) return;
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopImmediatePropagation();
        bound.click();
      });
    });
  }
});
