import {
  Button,
  Card,
  Group,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { patch, post } from "../../api/client.ts";
import type { Me, ProfileUpdate } from "../../api/types.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError } from "../../components/states.tsx";
import { browserTimeZone } from "../../format/intl.ts";
import { changeLanguage } from "../../i18n/index.ts";
import { isLanguage, pickLanguage } from "../../i18n/languages.ts";
import { meQuery, useSession } from "../../session/session.tsx";
import { minPasswordLength, passwordProblem } from "../auth/passwordRules.ts";
import { TotpCard } from "./TotpCard.tsx";

function SavedNote({ show }: { show: boolean }) {
  const { t } = useTranslation();
  return show ? (
    <Text size="sm" c="green.8" role="status">
      {t("state.saved")}
    </Text>
  ) : null;
}

function SettingsCard({ me }: { me: Me }) {
  const { t } = useTranslation("auth");
  const queryClient = useQueryClient();
  const [name, setName] = useState(me.name);
  const [locale, setLocale] = useState<string>(me.locale ?? "auto");
  const [timeZone, setTimeZone] = useState<string>(me.timeZone ?? "auto");
  const zones = useMemo(() => Intl.supportedValuesOf("timeZone"), []);
  const save = useMutation({
    mutationFn: (body: ProfileUpdate) => patch<Me>("/auth/me", body),
    onSuccess: (updated) => {
      if (updated && typeof updated === "object" && "rights" in updated)
        queryClient.setQueryData(meQuery.queryKey, updated);
      else void queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
      changeLanguage(pickLanguage(isLanguage(locale) ? locale : null, navigator.languages));
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!name.trim()) return;
    save.mutate({
      name: name.trim(),
      locale: isLanguage(locale) ? locale : null,
      timeZone: timeZone === "auto" ? null : timeZone,
    });
  };
  return (
    <Card withBorder padding="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} fz="h4">
            {t("profile.settings")}
          </Title>
          <TextInput label={t("profile.email")} value={me.email} readOnly variant="filled" />
          <TextInput
            label={t("profile.name")}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={!name.trim() ? t("profile.nameRequired") : undefined}
            required
          />
          <Select
            label={t("profile.language")}
            value={locale}
            onChange={(v) => setLocale(v ?? "auto")}
            allowDeselect={false}
            data={[
              { value: "auto", label: t("profile.languageAuto") },
              { value: "en", label: "English" },
              { value: "de", label: "Deutsch" },
            ]}
          />
          <Select
            label={t("profile.timeZone")}
            description={t("profile.timeZoneHint", { zone: browserTimeZone() })}
            value={timeZone}
            onChange={(v) => setTimeZone(v ?? "auto")}
            allowDeselect={false}
            searchable
            limit={50}
            nothingFoundMessage={t("profile.noZone")}
            data={[
              { value: "auto", label: t("profile.timeZoneAuto") },
              ...zones.map((z) => ({ value: z, label: z })),
            ]}
          />
          <MutationError error={save.error} />
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t("profile.save")}
            </Button>
            <SavedNote show={save.isSuccess} />
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function PasswordCard() {
  const { t } = useTranslation("auth");
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [repeated, setRepeated] = useState("");
  const [touched, setTouched] = useState(false);
  const problem = passwordProblem(password, repeated);
  const change = useMutation({
    mutationFn: () => post("/auth/password", { currentPassword: current, newPassword: password }),
    onSuccess: () => {
      setCurrent("");
      setPassword("");
      setRepeated("");
      setTouched(false);
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (current && !problem) change.mutate();
  };
  return (
    <Card withBorder padding="lg">
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={2} fz="h4">
            {t("password.title")}
          </Title>
          <PasswordInput
            label={t("password.current")}
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={touched && !current ? t("password.currentRequired") : undefined}
            required
          />
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
          />
          <PasswordInput
            label={t("password.repeat")}
            autoComplete="new-password"
            value={repeated}
            onChange={(e) => setRepeated(e.currentTarget.value)}
            error={touched && problem === "mismatch" ? t("password.mismatch") : undefined}
            required
          />
          <MutationError error={change.error} />
          <Group>
            <Button type="submit" loading={change.isPending}>
              {t("password.submit")}
            </Button>
            <SavedNote show={change.isSuccess} />
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** The user's own profile: name, language, time zone, password, second factor. */
export function ProfilePage() {
  const { t } = useTranslation("auth");
  const { me } = useSession();
  return (
    <>
      <PageHeader title={t("profile.title")} description={t(`role.${me.role}`, { ns: "common" })} />
      <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
        <Stack gap="lg">
          <SettingsCard me={me} />
        </Stack>
        <Stack gap="lg">
          <PasswordCard />
          <TotpCard me={me} />
        </Stack>
      </SimpleGrid>
    </>
  );
}
