import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { ApiError, api, setCsrfToken } from "../../api/client.ts";
import type { LoginResult, Me } from "../../api/types.ts";
import { meQuery } from "../../session/session.tsx";
import { AuthFrame, safeNext } from "./AuthFrame.tsx";

function loginErrorKey(error: unknown) {
  if (error instanceof ApiError) {
    if (error.status === 401 || error.status === 400) return "login.wrongCredentials" as const;
    if (error.status === 429) return "login.locked" as const;
    if (error.status === 0) return "login.network" as const;
  }
  return "login.failed" as const;
}

function codeErrorKey(error: unknown) {
  if (error instanceof ApiError) {
    if (error.status === 401 && error.message.includes("password first")) return "totp.sessionGone" as const;
    if (error.status === 401 || error.status === 400) return "totp.wrongCode" as const;
    if (error.status === 429) return "login.locked" as const;
  }
  return "login.failed" as const;
}

/** Sign-in: e-mail and password, then the authenticator code where the user has one set up. */
export function LoginPage() {
  const { t } = useTranslation("auth");
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const next = safeNext(params.get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [step, setStep] = useState<"password" | "code">("password");

  const signedIn = (me: Me | null) => {
    if (me) queryClient.setQueryData(meQuery.queryKey, me);
    else void queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
    void navigate(next, { replace: true });
  };

  const login = useMutation({
    mutationFn: () =>
      api<LoginResult>("/auth/login", {
        method: "POST",
        body: { email, password },
        expectUnauthorized: true,
      }),
    onSuccess: (result) => {
      setCsrfToken(result.csrfToken);
      if (result.mfaRequired) setStep("code");
      else signedIn(result.user);
    },
  });
  const totp = useMutation({
    mutationFn: () =>
      api<LoginResult>("/auth/login/totp", { method: "POST", body: { code }, expectUnauthorized: true }),
    onSuccess: (result) => {
      setCsrfToken(result.csrfToken);
      signedIn(result.user);
    },
  });

  const submitPassword = (event: FormEvent) => {
    event.preventDefault();
    if (email && password) login.mutate();
  };
  const submitCode = (event: FormEvent) => {
    event.preventDefault();
    if (/^\d{6}$/.test(code)) totp.mutate();
  };

  if (step === "code")
    return (
      <AuthFrame title={t("totp.title")}>
        <form onSubmit={submitCode} noValidate>
          <Stack>
            <Text size="sm" c="dimmed">
              {t("totp.hint")}
            </Text>
            <TextInput
              label={t("totp.code")}
              value={code}
              onChange={(e) => setCode(e.currentTarget.value.replace(/\D/g, "").slice(0, 6))}
              inputMode="numeric"
              autoComplete="one-time-code"
              autoFocus
              required
              maxLength={6}
              error={totp.isError ? t(codeErrorKey(totp.error)) : undefined}
            />
            <Button type="submit" loading={totp.isPending} disabled={code.length !== 6}>
              {t("totp.submit")}
            </Button>
            <Anchor
              component="button"
              type="button"
              size="sm"
              onClick={() => {
                setStep("password");
                setCode("");
                totp.reset();
              }}
            >
              {t("totp.back")}
            </Anchor>
          </Stack>
        </form>
      </AuthFrame>
    );

  return (
    <AuthFrame title={t("login.title")}>
      <form onSubmit={submitPassword} noValidate>
        <Stack>
          {params.get("next") && (
            <Alert color="blue" variant="light" p="xs">
              <Text size="sm">{t("login.sessionEnded")}</Text>
            </Alert>
          )}
          {login.isError && (
            <Alert color="red" variant="light" role="alert" p="xs">
              <Text size="sm">{t(loginErrorKey(login.error))}</Text>
            </Alert>
          )}
          <TextInput
            label={t("login.email")}
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            required
            autoFocus
          />
          <PasswordInput
            label={t("login.password")}
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
            required
          />
          <Button type="submit" loading={login.isPending} disabled={!email || !password}>
            {t("login.submit")}
          </Button>
          <Anchor component={Link} to="/forgot-password" size="sm" ta="center">
            {t("login.forgot")}
          </Anchor>
        </Stack>
      </form>
    </AuthFrame>
  );
}
