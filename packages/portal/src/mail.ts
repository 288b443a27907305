import nodemailer from "nodemailer";

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}

/** Sends through SMTP_URL; without one, mail goes to the log (the local default has no mail server). */
export function createMailer(smtpUrl: string | undefined, from: string, log: (line: string) => void): Mailer {
  if (!smtpUrl)
    return {
      async send(message) {
        log(`mail to ${message.to} (no SMTP_URL set, not sent): ${message.subject}\n${message.text}`);
      },
    };
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(message) {
      await transport.sendMail({ from, ...message });
    },
  };
}
