"""Answer a questionnaire in real Chromium the way a person does: click the first offered choice
of every visible question (the page script reveals follow-ups, which get answered on the next
pass), press "Tiếp tục" until the review, then "Gửi câu trả lời"."""
from __future__ import annotations

FILL = """() => {
  const visible = el => el.offsetParent !== null && !el.closest('[hidden]');
  const done = new Set();
  for (const input of document.querySelectorAll('form input[type=radio], form input[type=checkbox]')) {
    if (!visible(input) || input.hasAttribute('data-x') || done.has(input.name)) continue;
    const option = input.closest('.o');
    if (option && option.querySelector('.other')) continue;
    done.add(input.name);
    if (!document.querySelector(`input[name="${CSS.escape(input.name)}"]:checked`)) input.click();
  }
  for (const select of document.querySelectorAll('form select')) {
    if (!visible(select) || select.value) continue;
    const base = select.name.split('.rank.')[0];
    const taken = [...document.querySelectorAll('form select')]
      .filter(s => s !== select && s.name.split('.rank.')[0] === base).map(s => s.value);
    const choice = [...select.options].find(o => o.value && !o.disabled && !o.hidden
                                                 && !taken.includes(o.value));
    if (choice) { select.value = choice.value; select.dispatchEvent(new Event('change', {bubbles: true})); }
  }
}"""


def answer_everything(page, base_url: str, slug: str, max_steps: int = 40) -> None:
    """From the campaign's introduction to the thank-you page. Raises AssertionError if the
    flow does not get there."""
    page.goto(f"{base_url}/s/{slug}")
    page.locator("form button[type=submit]").first.click()
    for _ in range(max_steps):
        page.wait_for_load_state()
        if page.url.endswith("/done"):  # sent from the last page of the one-document flow
            return
        if page.url.endswith("/review"):
            page.locator("form button[type=submit]").first.click()
            page.wait_for_url(f"**/s/{slug}/done")
            return
        page.evaluate(FILL)
        page.evaluate(FILL)  # questions revealed by the first pass
        # "Tiếp tục", or on the one document's last page "Gửi".
        button = page.locator("button[name=action][value=next]:visible, "
                              "button[name=action][value=send]:visible").first
        sending = button.get_attribute("value") == "send"
        button.click()
        if sending:  # sent in the background: the thank-you replaces the page, its URL /done
            page.wait_for_url(f"**/s/{slug}/done")
            return
    raise AssertionError(f"did not reach the review page; stuck at {page.url}")
