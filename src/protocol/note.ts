// Internal notes (API.md "Conversation state for the business"): written by
// the business beside a conversation's log, never in it. `afterSeq` places a
// note in the agent's transcript, after the event with that seq.
import * as z from "../zod";
import { words } from "./content";
import type { Sender } from "./event";

export interface Note {
  id: string;
  afterSeq: number;
  at: string;
  sender: Sender;
  text: string;
}

export const NoteText = words(4096).check(z.minLength(1));
