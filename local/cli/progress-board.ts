/** The progress bars of `npm start`: the `relay` CLI's own board (`cli/progress-board.ts`). */

export { ProgressBoard } from "../../cli/progress-board.js";
