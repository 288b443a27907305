import { Alert, Anchor, Button, PasswordInput, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { ApiError, api } from "../../api/client.ts";
import { MutationError } from "../../components/states.tsx";
import { AuthFrame } from "./AuthFrame.tsx";
import { minPasswordLength, passwordProblem } from "./passwordRules.ts";

/** The page the reset mail links to (`/reset-password?token=…`): choose a new password. */
export function ResetPasswordPage() {
  const { t } = useTranslation("auth");
  const [params] = useSearchParams();
  const token = params.get("token") ?? "";
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [touched, setTouched] = useState(false);
  const problem = passwordProblem(password, repeated);
  const confirm = useMutation({
    mutationFn: () =>
      api("/auth/password-reset/confirm", {
        method: "POST",
        body: { token, newPassword: password },
        expectUnauthorized: true,
      }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (!problem) confirm.mutate();
  };
  const invalidLink = !token || (confirm.error instanceof ApiError && confirm.error.code === "invalid-token");

  if (confirm.isSuccess)
    return (
      <AuthFrame title={t("reset.title")}>
        <Stack>
          <Alert color="green" variant="light" role="status">
            <Text size="sm">{t("reset.done")}</Text>
          </Alert>
          <Button component={Link} to="/login">
            {t("reset.toLogin")}
          </Button>
        </Stack>
      </AuthFrame>
    );

  return (
    <AuthFrame title={t("reset.title")}>
      <form onSubmit={submit} noValidate>
        <Stack>
          {invalidLink && (
            <Alert color="red" variant="light" role="alert" p="xs">
              <Text size="sm">{t("reset.invalidLink")}</Text>
            </Alert>
          )}
          <PasswordInput
            label={t("password.new")}
            description={t("password.rule", { count: minPasswordLength })}
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            error={
              touched && problem === "tooShort"
                ? t("password.tooShort", { count: minPasswordLength })
                : undefined
            }
            required
            autoFocus
          />
          <PasswordInput
            label={t("password.repeat")}
            autoComplete="new-password"
            value={repeated}
            onChange={(e) => setRepeated(e.currentTarget.value)}
            error={touched && problem === "mismatch" ? t("password.mismatch") : undefined}
            required
          />
          {!invalidLink && <MutationError error={confirm.error} />}
          <Button type="submit" loading={confirm.isPending} disabled={!token}>
            {t("reset.submit")}
          </Button>
          <Anchor component={Link} to="/forgot-password" size="sm" ta="center">
            {t("reset.newLink")}
          </Anchor>
        </Stack>
      </form>
    </AuthFrame>
  );
}
