/** Request schemas for sign-in, users and API tokens (validation and the OpenAPI document). */
import { z } from 'zod';
import { slug } from '../services/schemas';
import { ROLES } from './roles';

export const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(320)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address');

export const password = z.string().min(12, 'password must be at least 12 characters').max(1000);

export const loginSchema = z.object({ email: z.string().max(320), password: z.string().max(1000) }).strict();

export const roleSchema = z.enum(ROLES);

export const createUserSchema = z
  .object({
    email,
    name: z.string().max(200).default(''),
    password,
    role: roleSchema.default('viewer'),
    serviceScope: z.array(slug).max(100).default([]),
  })
  .strict();

export const updateUserSchema = z
  .object({
    name: z.string().max(200).optional(),
    password: password.optional(),
    role: roleSchema.optional(),
    serviceScope: z.array(slug).max(100).optional(),
    disabled: z.boolean().optional(),
  })
  .strict();

export const createTokenSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    role: roleSchema,
    serviceScope: z.array(slug).max(100).default([]),
    expiresInDays: z.number().int().min(1).max(3650).optional(),
  })
  .strict();
