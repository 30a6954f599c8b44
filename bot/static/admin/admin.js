// "Chọn tất cả" / "Bỏ chọn" for the agency checkboxes of the open-round form.
// Without JavaScript the buttons stay hidden and every agency starts ticked.
document.querySelectorAll("fieldset#agencies").forEach((box) => {
  const pick = box.querySelector(".pick");
  pick.hidden = false;
  pick.querySelectorAll("button[data-check]").forEach((button) => {
    button.addEventListener("click", () => {
      const on = button.dataset.check === "all";
      box.querySelectorAll('input[type="checkbox"][name="agency"]').forEach((input) => {
        input.checked = on;
      });
    });
  });
});
