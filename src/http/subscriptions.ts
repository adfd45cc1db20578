// Topics (admin) and a customer's own subscriptions (API.md "People,
// subscriptions and broadcasts").
import { Hono } from "hono/tiny";
import * as z from "../zod";
import { findTopic, listTopics, putTopic, subscribe, subscriptionsOf, TopicId, unsubscribe } from "../broadcast/subscriptions";
import { ServiceError } from "../protocol/errors";
import { authenticate, businessOf, businessOnly, customerOf } from "./auth";
import type { AppEnv } from "./types";
import { describe, jsonBody, ROUTE_DOCS, undescribed } from "./route";
import { parseWith } from "./validate";

/** PUT /v1/topics/:topic body. */
export const PutTopicBody = z.strictObject({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(128)),
  description: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(1024))),
});

function topicParam(value: string): string {
  return parseWith(z.object({ topic: TopicId }), { topic: value }, "path").topic;
}

export const topics = new Hono<AppEnv>();
topics.use("*", authenticate());

topics.put("/:topic", ROUTE_DOCS ? describe("Create or change a topic (admin key)", ["apiKey"], { "200": "Changed", "201": "Created" }) : undescribed, businessOnly(["admin"]), jsonBody(PutTopicBody), async (c) => {
  const access = businessOf(c, ["admin"]);
  const topic = topicParam(c.req.param("topic"));
  const body = c.req.valid("json");
  const saved = await putTopic(c.env.DB, access.tenant, topic, body.description ? body : { name: body.name });
  return c.json({ topic: saved.topic }, saved.created ? 201 : 200);
});

topics.get("/", ROUTE_DOCS ? describe("The tenant's broadcast topics", ["apiKey"], { "200": "{ topics }" }) : undescribed, async (c) => {
  const access = businessOf(c);
  return c.json({ topics: await listTopics(c.env.DB, access.tenant) });
});

export const meSubscriptions = new Hono<AppEnv>();
meSubscriptions.use("*", authenticate());

meSubscriptions.get("/", ROUTE_DOCS ? describe("This person's subscriptions and every topic", ["session"], { "200": "{ subscriptions, topics }" }) : undescribed, async (c) => {
  const access = customerOf(c);
  return c.json(await subscriptionsOf(c.env.DB, access.tenant, access.userId));
});

meSubscriptions.put("/:topic", ROUTE_DOCS ? describe("Opt in", ["session"], { "200": "{ subscriptions, topics }" }) : undescribed, async (c) => {
  const access = customerOf(c);
  const topic = topicParam(c.req.param("topic"));
  if (!(await findTopic(c.env.DB, access.tenant, topic))) throw new ServiceError("not_found", `no topic ${topic}`);
  await subscribe(c.env.DB, access.tenant, access.userId, topic);
  return c.json(await subscriptionsOf(c.env.DB, access.tenant, access.userId));
});

meSubscriptions.delete("/:topic", ROUTE_DOCS ? describe("Opt out", ["session"], { "200": "{ subscriptions, topics }" }) : undescribed, async (c) => {
  const access = customerOf(c);
  const topic = topicParam(c.req.param("topic"));
  await unsubscribe(c.env.DB, access.tenant, access.userId, topic);
  return c.json(await subscriptionsOf(c.env.DB, access.tenant, access.userId));
});
