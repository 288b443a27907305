import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  TagsInput,
  Text,
  Textarea,
  TextInput,
  Title,
} from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useEffect, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useParams } from "react-router";
import { ApiError, get, put } from "../../api/client.ts";
import type { LevelSettings, SettingsLevel } from "../../api/types.ts";
import { NotFoundPage } from "../../components/NotFound.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { MutationError, PageSkeleton, QueryError } from "../../components/states.tsx";
import { useFormat, useSession } from "../../session/session.tsx";
import {
  authProtocols,
  emptyV3User,
  type FieldError,
  formFromView,
  inputFromForm,
  privProtocols,
  type ScalarKey,
  type SettingsForm,
  serverFieldErrors,
  validateForm,
} from "./settingsForm.ts";

const levels: SettingsLevel[] = ["account", "customer", "site", "collector"];

function settingsPath(
  level: SettingsLevel,
  scopeId: string,
  ownAccountId: string,
): { path: string; query?: Record<string, string> } {
  switch (level) {
    case "account":
      return {
        path: "/settings/account",
        ...(scopeId !== ownAccountId ? { query: { accountId: scopeId } } : {}),
      };
    case "customer":
      return { path: `/settings/customers/${scopeId}` };
    case "site":
      return { path: `/settings/sites/${scopeId}` };
    case "collector":
      return { path: `/settings/collectors/${scopeId}` };
  }
}

/** One setting group: either set here or inherited from the level above. */
function Section(props: {
  title: string;
  hint?: string;
  set: boolean;
  onSet: (set: boolean) => void;
  children: ReactNode;
}) {
  const { t } = useTranslation("collectors");
  return (
    <Card withBorder padding="lg">
      <Stack gap="sm">
        <Group justify="space-between" align="flex-start" wrap="nowrap">
          <div>
            <Title order={2} fz="h5">
              {props.title}
            </Title>
            {props.hint && (
              <Text size="xs" c="dimmed">
                {props.hint}
              </Text>
            )}
          </div>
          <Switch
            checked={props.set}
            onChange={(e) => props.onSet(e.currentTarget.checked)}
            label={props.set ? t("settings.setHere") : t("settings.inherited")}
            styles={{ label: { whiteSpace: "nowrap" } }}
            aria-label={`${props.title}: ${t("settings.setHere")}`}
          />
        </Group>
        {props.set && props.children}
      </Stack>
    </Card>
  );
}

/** Editor of one level's collector settings (account, customer, site or collector). */
export function SettingsPage() {
  const { t } = useTranslation("collectors");
  const { t: tc } = useTranslation();
  const f = useFormat();
  const session = useSession();
  const queryClient = useQueryClient();
  const params = useParams();
  const level = params.level as SettingsLevel;
  const scopeId = params.scopeId ?? "";
  const valid = levels.includes(level);
  const target = valid ? settingsPath(level, scopeId, session.me.accountId) : { path: "" };
  const settings = useQuery({
    queryKey: ["settings", level, scopeId],
    queryFn: ({ signal }) => get<LevelSettings>(target.path, target.query, signal),
    enabled: valid,
  });
  const [form, setForm] = useState<SettingsForm | null>(null);
  const [submitted, setSubmitted] = useState(false);
  useEffect(() => {
    if (settings.data) setForm(formFromView(settings.data.settings));
  }, [settings.data]);
  const save = useMutation({
    mutationFn: (body: unknown) =>
      put<LevelSettings>(`${target.path}${target.query ? `?accountId=${target.query.accountId}` : ""}`, body),
    onSuccess: (saved) => {
      queryClient.setQueryData(["settings", level, scopeId], saved);
      void queryClient.invalidateQueries({ queryKey: ["collectors"] });
      setSubmitted(false);
    },
  });
  const clientErrors = useMemo(() => (form ? validateForm(form) : {}), [form]);
  const serverErrors = save.error instanceof ApiError ? serverFieldErrors(save.error.details) : {};

  if (!valid) return <NotFoundPage />;
  if (settings.isPending || (settings.data && !form)) return <PageSkeleton rows={10} />;
  if (settings.isError) return <QueryError error={settings.error} onRetry={() => void settings.refetch()} />;
  if (!form) return null;

  const describe = (e: FieldError): string => {
    switch (e.key) {
      case "badTargets":
        return t("validation.badTargets", { values: e.values });
      case "tooMany":
        return t("validation.tooMany", { max: e.max });
      case "range":
        return t("validation.range", { min: f.number(e.min), max: f.number(e.max) });
      case "required":
        return tc("error.required");
      case "community":
        return t("validation.community");
      case "keyLength":
        return t("validation.keyLength");
      case "duplicateName":
        return t("validation.duplicateName");
    }
  };
  const errorOf = (path: string) => {
    const client = clientErrors[path];
    if (submitted && client) return describe(client);
    return serverErrors[path];
  };
  const update = (patch: Partial<SettingsForm>) => {
    setForm({ ...form, ...patch });
    save.reset();
  };
  const setScalar = (key: ScalarKey, patch: Partial<SettingsForm["scalars"][ScalarKey]>) =>
    update({ scalars: { ...form.scalars, [key]: { ...form.scalars[key], ...patch } } });
  const num = (v: string | number): number | "" => (v === "" ? "" : Number(v));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (Object.keys(validateForm(form)).length === 0) save.mutate(inputFromForm(form));
  };
  const canWriteAccount = session.scopeKind !== "customer";
  const readOnly = level === "account" && !canWriteAccount;

  return (
    <form onSubmit={submit} noValidate>
      <PageHeader
        title={t("settings.title", { level: t(`level.${level}`) })}
        crumbs={[{ label: t("title"), to: "/collectors" }]}
        description={
          settings.data?.updatedAt
            ? t("settings.updatedAt", { at: f.dateTime(settings.data.updatedAt) })
            : t("settings.neverSet")
        }
        actions={
          !readOnly && (
            <Button type="submit" loading={save.isPending}>
              {tc("action.save")}
            </Button>
          )
        }
      />
      <Stack gap="lg">
        <Text size="sm" c="dimmed">
          {t("settings.intro")}
        </Text>
        {save.isSuccess && (
          <Alert color="green" variant="light" role="status">
            {t("settings.saved")}
          </Alert>
        )}
        {submitted && Object.keys(clientErrors).length > 0 && (
          <Alert color="red" variant="light" role="alert">
            {t("settings.fix", { count: Object.keys(clientErrors).length })}
          </Alert>
        )}
        <MutationError error={save.error} />
        <SimpleGrid cols={{ base: 1, lg: 2 }} spacing="lg">
          <Section
            title={t("field.targets")}
            hint={t("settings.targetsHint")}
            set={form.targets.set}
            onSet={(set) => update({ targets: { ...form.targets, set } })}
          >
            <Textarea
              label={t("field.targets")}
              value={form.targets.text}
              onChange={(e) => update({ targets: { set: true, text: e.currentTarget.value } })}
              autosize
              minRows={4}
              maxRows={12}
              styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
              placeholder={"192.168.10.0/24\n10.1.2.20-10.1.2.80"}
              error={errorOf("targets")}
            />
          </Section>
          <Section
            title={t("field.exclusions")}
            hint={t("settings.exclusionsHint")}
            set={form.exclusions.set}
            onSet={(set) => update({ exclusions: { ...form.exclusions, set } })}
          >
            <Textarea
              label={t("field.exclusions")}
              value={form.exclusions.text}
              onChange={(e) => update({ exclusions: { set: true, text: e.currentTarget.value } })}
              autosize
              minRows={3}
              maxRows={10}
              styles={{ input: { fontFamily: "var(--mantine-font-family-monospace)" } }}
              error={errorOf("exclusions")}
            />
          </Section>
          <Section
            title={t("field.communities")}
            hint={t("settings.communitiesHint")}
            set={form.communities.set}
            onSet={(set) => update({ communities: { ...form.communities, set } })}
          >
            <TagsInput
              label={t("field.communities")}
              value={form.communities.values}
              onChange={(values) => update({ communities: { set: true, values } })}
              placeholder={t("settings.addCommunity")}
              error={errorOf("communities")}
              clearable
            />
          </Section>
          <Section
            title={t("field.intervals")}
            set={form.scalars.discoveryIntervalMinutes.set || form.scalars.refreshIntervalMinutes.set}
            onSet={(set) =>
              update({
                scalars: {
                  ...form.scalars,
                  discoveryIntervalMinutes: { ...form.scalars.discoveryIntervalMinutes, set },
                  refreshIntervalMinutes: { ...form.scalars.refreshIntervalMinutes, set },
                },
              })
            }
          >
            <SimpleGrid cols={2}>
              <NumberInput
                label={t("field.discoveryIntervalMinutes")}
                description={t("settings.discoveryHint")}
                value={form.scalars.discoveryIntervalMinutes.value}
                onChange={(v) => setScalar("discoveryIntervalMinutes", { value: num(v) })}
                min={60}
                max={10_080}
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("discoveryIntervalMinutes")}
              />
              <NumberInput
                label={t("field.refreshIntervalMinutes")}
                description={t("settings.refreshHint")}
                value={form.scalars.refreshIntervalMinutes.value}
                onChange={(v) => setScalar("refreshIntervalMinutes", { value: num(v) })}
                min={20}
                max={60}
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("refreshIntervalMinutes")}
              />
            </SimpleGrid>
          </Section>
          <Section
            title={t("field.snmp")}
            set={form.snmp.set}
            onSet={(set) => update({ snmp: { ...form.snmp, set } })}
          >
            <SimpleGrid cols={3}>
              <NumberInput
                label={t("field.discoveryTimeoutMs")}
                value={form.snmp.discoveryTimeoutMs}
                onChange={(v) => update({ snmp: { ...form.snmp, discoveryTimeoutMs: num(v) } })}
                min={50}
                max={10_000}
                suffix=" ms"
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("snmp.discoveryTimeoutMs")}
              />
              <NumberInput
                label={t("field.timeoutMs")}
                value={form.snmp.timeoutMs}
                onChange={(v) => update({ snmp: { ...form.snmp, timeoutMs: num(v) } })}
                min={50}
                max={10_000}
                suffix=" ms"
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("snmp.timeoutMs")}
              />
              <NumberInput
                label={t("field.retries")}
                value={form.snmp.retries}
                onChange={(v) => update({ snmp: { ...form.snmp, retries: num(v) } })}
                min={0}
                max={5}
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("snmp.retries")}
              />
            </SimpleGrid>
          </Section>
          <Section
            title={t("field.ping")}
            set={form.ping.set}
            onSet={(set) => update({ ping: { ...form.ping, set } })}
          >
            <Switch
              label={t("field.pingEnabled")}
              checked={form.ping.enabled}
              onChange={(e) => update({ ping: { ...form.ping, enabled: e.currentTarget.checked } })}
            />
            <SimpleGrid cols={2}>
              <NumberInput
                label={t("field.timeoutMs")}
                value={form.ping.timeoutMs}
                onChange={(v) => update({ ping: { ...form.ping, timeoutMs: num(v) } })}
                min={50}
                max={10_000}
                suffix=" ms"
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("ping.timeoutMs")}
              />
              <NumberInput
                label={t("field.retries")}
                value={form.ping.retries}
                onChange={(v) => update({ ping: { ...form.ping, retries: num(v) } })}
                min={0}
                max={5}
                allowDecimal={false}
                placeholder={t("settings.inherited")}
                error={errorOf("ping.retries")}
              />
            </SimpleGrid>
          </Section>
          <Section
            title={t("field.pace")}
            hint={t("settings.paceHint")}
            set={
              form.scalars.concurrency.set ||
              form.scalars.packetsPerSecond.set ||
              form.scalars.maxAddresses.set
            }
            onSet={(set) =>
              update({
                scalars: {
                  ...form.scalars,
                  concurrency: { ...form.scalars.concurrency, set },
                  packetsPerSecond: { ...form.scalars.packetsPerSecond, set },
                  maxAddresses: { ...form.scalars.maxAddresses, set },
                },
              })
            }
          >
            <SimpleGrid cols={3}>
              {(["concurrency", "packetsPerSecond", "maxAddresses"] as const).map((key) => (
                <NumberInput
                  key={key}
                  label={t(`field.${key}`)}
                  value={form.scalars[key].value}
                  onChange={(v) => setScalar(key, { value: num(v) })}
                  min={1}
                  allowDecimal={false}
                  placeholder={t("settings.inherited")}
                  thousandSeparator={f.locale.startsWith("de") ? "." : ","}
                  decimalSeparator={f.locale.startsWith("de") ? "," : "."}
                  error={errorOf(key)}
                />
              ))}
            </SimpleGrid>
          </Section>
        </SimpleGrid>
        <Section
          title={t("field.v3Users")}
          hint={t("settings.v3Hint")}
          set={form.v3Users.set}
          onSet={(set) => update({ v3Users: { ...form.v3Users, set } })}
        >
          <Stack>
            {errorOf("v3Users") && (
              <Text size="sm" c="red.8" role="alert">
                {errorOf("v3Users")}
              </Text>
            )}
            {form.v3Users.users.map((user, i) => {
              const change = (patch: Partial<typeof user>) =>
                update({
                  v3Users: {
                    set: true,
                    users: form.v3Users.users.map((u, j) => (j === i ? { ...u, ...patch } : u)),
                  },
                });
              return (
                // biome-ignore lint/suspicious/noArrayIndexKey: users are edited in place by position
                <Card key={i} withBorder padding="sm" bg="gray.0">
                  <Group align="flex-start" wrap="wrap" gap="sm">
                    <TextInput
                      label={t("v3.name")}
                      value={user.name}
                      onChange={(e) => change({ name: e.currentTarget.value })}
                      maxLength={32}
                      error={errorOf(`v3Users.${i}.name`)}
                      w={150}
                    />
                    <Select
                      label={t("v3.authProtocol")}
                      data={[
                        { value: "", label: t("v3.none") },
                        ...authProtocols.map((p) => ({ value: p, label: p.toUpperCase() })),
                      ]}
                      value={user.authProtocol}
                      onChange={(v) => change({ authProtocol: v ?? "" })}
                      allowDeselect={false}
                      w={120}
                    />
                    <PasswordInput
                      label={t("v3.authKey")}
                      placeholder={user.hasAuthKey ? t("v3.unchanged") : ""}
                      value={user.authKey}
                      onChange={(e) => change({ authKey: e.currentTarget.value })}
                      autoComplete="new-password"
                      error={errorOf(`v3Users.${i}.authKey`)}
                      w={170}
                    />
                    <Select
                      label={t("v3.privProtocol")}
                      data={[
                        { value: "", label: t("v3.none") },
                        ...privProtocols.map((p) => ({ value: p, label: p.toUpperCase() })),
                      ]}
                      value={user.privProtocol}
                      onChange={(v) => change({ privProtocol: v ?? "" })}
                      allowDeselect={false}
                      w={120}
                    />
                    <PasswordInput
                      label={t("v3.privKey")}
                      placeholder={user.hasPrivKey ? t("v3.unchanged") : ""}
                      value={user.privKey}
                      onChange={(e) => change({ privKey: e.currentTarget.value })}
                      autoComplete="new-password"
                      error={errorOf(`v3Users.${i}.privKey`)}
                      w={170}
                    />
                    <TextInput
                      label={t("v3.context")}
                      value={user.context}
                      onChange={(e) => change({ context: e.currentTarget.value })}
                      maxLength={32}
                      w={120}
                    />
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      mt={26}
                      aria-label={t("v3.remove", { name: user.name || i + 1 })}
                      onClick={() =>
                        update({
                          v3Users: { set: true, users: form.v3Users.users.filter((_, j) => j !== i) },
                        })
                      }
                    >
                      ✕
                    </ActionIcon>
                  </Group>
                </Card>
              );
            })}
            <Group>
              <Button
                variant="light"
                size="xs"
                onClick={() =>
                  update({ v3Users: { set: true, users: [...form.v3Users.users, emptyV3User()] } })
                }
              >
                {t("v3.add")}
              </Button>
            </Group>
          </Stack>
        </Section>
        {!readOnly && (
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              {tc("action.save")}
            </Button>
          </Group>
        )}
      </Stack>
    </form>
  );
}
