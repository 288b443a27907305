import { Alert, Anchor, Button, Stack, Text, TextInput } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { api } from "../../api/client.ts";
import { MutationError } from "../../components/states.tsx";
import { AuthFrame } from "./AuthFrame.tsx";

const looksLikeEmail = (value: string) => /^[^\s@]+@[^\s@]+$/.test(value.trim());

/** Asks for a reset link; the answer is the same whether the address is known or not. */
export function ForgotPasswordPage() {
  const { t } = useTranslation("auth");
  const [email, setEmail] = useState("");
  const [touched, setTouched] = useState(false);
  const request = useMutation({
    mutationFn: () =>
      api("/auth/password-reset", {
        method: "POST",
        body: { email: email.trim() },
        expectUnauthorized: true,
      }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (looksLikeEmail(email)) request.mutate();
  };
  return (
    <AuthFrame title={t("forgot.title")}>
      {request.isSuccess ? (
        <Stack>
          <Alert color="green" variant="light" role="status">
            <Text size="sm">{t("forgot.sent")}</Text>
          </Alert>
          <Anchor component={Link} to="/login" size="sm">
            {t("forgot.backToLogin")}
          </Anchor>
        </Stack>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">
              {t("forgot.hint")}
            </Text>
            <TextInput
              label={t("login.email")}
              type="email"
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              error={touched && !looksLikeEmail(email) ? t("forgot.invalidEmail") : undefined}
              required
              autoFocus
            />
            <MutationError error={request.error} />
            <Button type="submit" loading={request.isPending}>
              {t("forgot.submit")}
            </Button>
            <Anchor component={Link} to="/login" size="sm" ta="center">
              {t("forgot.backToLogin")}
            </Anchor>
          </Stack>
        </form>
      )}
    </AuthFrame>
  );
}
