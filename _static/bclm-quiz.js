// The question bank's self-check (chapters/question_bank, rendered by helpers.quiz.to_html).
// Offline and dependency-free. Each question is a radio group; this script shows its
// "Check my answer" button and writes the feedback into the question's live region, so a
// screen reader announces it. Without JavaScript the <details> reveal still shows the answer.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll(".bclm-quiz").forEach((quiz) => {
    const button = quiz.querySelector(".bclm-quiz-check");
    const feedback = quiz.querySelector(".bclm-quiz-feedback");
    const correct = quiz.querySelector("input[data-correct]");
    const explanation = quiz.querySelector(".bclm-quiz-explanation");
    if (!button || !feedback || !correct) return;
    button.hidden = false;
    const answerText = correct.closest("label").textContent.trim();
    button.addEventListener("click", () => {
      const chosen = quiz.querySelector("input[type=radio]:checked");
      feedback.classList.remove("bclm-quiz-right", "bclm-quiz-wrong");
      if (!chosen) {
        feedback.textContent = "Choose an answer first.";
        return;
      }
      const right = chosen === correct;
      feedback.classList.add(right ? "bclm-quiz-right" : "bclm-quiz-wrong");
      feedback.textContent =
        (right ? "Correct. " : `Not quite. The answer is: ${answerText}. `) +
        (explanation ? explanation.textContent.trim() : "");
    });
    quiz.querySelectorAll("input[type=radio]").forEach((input) => {
      input.addEventListener("change", () => {
        feedback.textContent = "";
        feedback.classList.remove("bclm-quiz-right", "bclm-quiz-wrong");
      });
    });
  });
});
