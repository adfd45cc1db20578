// Message content of the wire contract (API.md "Content"): the zod schemas
// that validate it at the edge, and the rule of which role may send what.
import * as z from "../zod";
import { isSafeUrl } from "./safe-url";
import { LONE_SURROGATE, NOT_UNICODE_TEXT } from "./text";

export { isSafeUrl };

const SafeUrl = z
  .string()
  .check(z.maxLength(2048), z.refine(isSafeUrl, { message: "must be an https: URL (http: only for localhost), without user:password@" }));

/** Whether `s` is Unicode text: JSON's `\uD800` escapes can spell a lone surrogate, which is not (RFC 8259 §8.2). */
export function isUnicodeText(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

const UNICODE_TEXT = { message: NOT_UNICODE_TEXT };

/** Free text of at most `max` UTF-16 code units, refused rather than stored when it holds half a character. */
export function words(max: number): z.ZodMiniString<string> {
  return z.string().check(z.maxLength(max), z.refine(isUnicodeText, UNICODE_TEXT));
}

const Title = z.string().check(z.trim(), z.minLength(1), z.maxLength(80), z.refine(isUnicodeText, UNICODE_TEXT));
const Payload = z.string().check(z.minLength(1), z.maxLength(1000));

export const Button = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("url"), title: Title, url: SafeUrl }),
  z.strictObject({ type: z.literal("postback"), title: Title, payload: Payload }),
  z.strictObject({ type: z.literal("share"), title: z.optional(Title) }),
  z.strictObject({ type: z.literal("pay"), title: Title, requestId: z.string().check(z.minLength(1), z.maxLength(64)) }),
]);
export type Button = z.infer<typeof Button>;

export const QuickReply = z.strictObject({ title: Title, payload: Payload });
export type QuickReply = z.infer<typeof QuickReply>;

const Money = z.number().check(z.gte(0), z.lte(1e12));
const Currency = z.string().check(z.regex(/^[A-Z]{3}$/, "must be an ISO 4217 code such as USD"));
export const AttachmentId = z.string().check(z.regex(/^att_[A-Za-z0-9_-]{1,64}$/, "must be an attachment id (att_…)"));

export const TextContent = z.strictObject({
  type: z.literal("text"),
  text: words(4096).check(z.minLength(1)),
  quickReplies: z.optional(z.array(QuickReply).check(z.maxLength(13))),
});

export const MediaContent = z
  .strictObject({
    type: z.literal("media"),
    mediaType: z.enum(["image", "video", "gif", "audio", "file"]),
    url: z.optional(SafeUrl),
    attachmentId: z.optional(AttachmentId),
    caption: z.optional(words(1024)),
    buttons: z.optional(z.array(Button).check(z.maxLength(3))),
  })
  .check(
    z.refine((m) => (m.url === undefined) !== (m.attachmentId === undefined), {
      message: "exactly one of url or attachmentId is required",
      path: ["url"],
    }),
  );

export const ButtonsContent = z.strictObject({
  type: z.literal("buttons"),
  text: words(640).check(z.minLength(1)),
  buttons: z.array(Button).check(z.minLength(1), z.maxLength(3)),
});

export const Card = z.strictObject({
  title: Title,
  subtitle: z.optional(words(160)),
  imageUrl: z.optional(SafeUrl),
  buttons: z.optional(z.array(Button).check(z.maxLength(3))),
});

export const CardsContent = z.strictObject({
  type: z.literal("cards"),
  cards: z.array(Card).check(z.minLength(1), z.maxLength(10)),
});

export const ReceiptContent = z.strictObject({
  type: z.literal("receipt"),
  orderId: z.string().check(z.minLength(1), z.maxLength(64)),
  currency: Currency,
  total: Money,
  items: z
    .array(z.strictObject({ title: Title, quantity: z.number().check(z.int(), z.gt(0), z.lte(1e6)), price: Money }))
    .check(z.minLength(1), z.maxLength(100)),
});

export const PaymentStatus = z.enum(["pending", "paid", "cancelled"]);
export type PaymentStatus = z.infer<typeof PaymentStatus>;

export const PaymentRequestContent = z.strictObject({
  type: z.literal("payment_request"),
  requestId: z.string().check(z.minLength(1), z.maxLength(64)),
  amount: Money,
  currency: Currency,
  description: words(640).check(z.minLength(1)),
  payUrl: SafeUrl,
  status: PaymentStatus,
});

export const PostbackContent = z.strictObject({
  type: z.literal("postback"),
  payload: Payload,
  title: Title,
});

export const Content = z.discriminatedUnion("type", [
  TextContent,
  MediaContent,
  ButtonsContent,
  CardsContent,
  ReceiptContent,
  PaymentRequestContent,
  PostbackContent,
]);
export type Content = z.infer<typeof Content>;

export type Role = "customer" | "agent" | "bot" | "system";

/** Why `content` may not be sent by `role`, or null when it may. */
export function contentNotAllowed(role: Role, content: Content): { path: string; message: string } | null {
  if (role !== "customer") return null;
  switch (content.type) {
    case "text":
      return content.quickReplies
        ? { path: "content.quickReplies", message: "customers cannot send quick replies" }
        : null;
    case "media":
      return content.attachmentId && !content.buttons
        ? null
        : { path: "content", message: "customers send media by attachmentId, without buttons" };
    case "postback":
      return null;
    default:
      return { path: "content.type", message: `customers cannot send ${content.type} messages` };
  }
}
