/*
 * lib/notify/builtin.c - the shipped default templates (en and pt-BR).
 * A stored template of the same (name, channel, locale) overrides one.
 *
 * Variables the event consumer provides (events.c): user.name,
 * user.email, order.id, order.number, order.total, order.tracking, token,
 * expires_minutes, login.ip, login.at.
 */
#include <strings.h>

#include "notify_priv.h"

#define E TC_NOTIFY_EMAIL
#define I TC_NOTIFY_IN_APP

/* Shared HTML frame: the body paragraph goes between HEAD and TAIL. */
#define HEAD                                                     \
  "<!DOCTYPE html><html><body style=\"font-family:sans-serif\">" \
  "<p>"
#define TAIL "</p><p>TechCorp</p></body></html>"

const tc_notify_template tc__notify_builtin[] = {
    /* ---- order confirmation (orders.paid / payments.captured) ---- */
    {"order_confirmation", E, "en", "Order {{order.number}} confirmed",
     "Hi {{user.name}},\n\nwe received the payment for your order "
     "{{order.number}} (total {{order.total}}). We will let you know when it "
     "ships.\n\nTechCorp\n",
     HEAD "Hi {{user.name}},</p><p>we received the payment for your order "
          "<b>{{order.number}}</b> (total {{order.total}}). We will let you "
          "know when it ships." TAIL,
     1, 0},
    {"order_confirmation", E, "pt-BR", "Pedido {{order.number}} confirmado",
     "Olá, {{user.name}}!\n\nRecebemos o pagamento do seu pedido "
     "{{order.number}} (total {{order.total}}). Avisaremos quando ele for "
     "enviado.\n\nTechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>Recebemos o pagamento do seu pedido "
          "<b>{{order.number}}</b> (total {{order.total}}). Avisaremos quando "
          "ele for enviado." TAIL,
     1, 0},
    {"order_confirmation", I, "en", "Order {{order.number}} confirmed",
     "Payment received for order {{order.number}}.", NULL, 1, 0},
    {"order_confirmation", I, "pt-BR", "Pedido {{order.number}} confirmado",
     "Pagamento recebido para o pedido {{order.number}}.", NULL, 1, 0},

    /* ---- payment failed ---- */
    {"payment_failed", E, "en", "Payment for order {{order.number}} failed",
     "Hi {{user.name}},\n\nthe payment for your order {{order.number}} did "
     "not go through. Please check your payment method and try "
     "again.\n\nTechCorp\n",
     HEAD "Hi {{user.name}},</p><p>the payment for your order "
          "<b>{{order.number}}</b> did not go through. Please check your "
          "payment method and try again." TAIL,
     1, 0},
    {"payment_failed", E, "pt-BR",
     "Falha no pagamento do pedido {{order.number}}",
     "Olá, {{user.name}}!\n\nO pagamento do seu pedido {{order.number}} não "
     "foi aprovado. Verifique a forma de pagamento e tente "
     "novamente.\n\nTechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>O pagamento do seu pedido "
          "<b>{{order.number}}</b> não foi aprovado. Verifique a forma de "
          "pagamento e tente novamente." TAIL,
     1, 0},
    {"payment_failed", I, "en", "Payment failed",
     "The payment for order {{order.number}} did not go through.", NULL, 1, 0},
    {"payment_failed", I, "pt-BR", "Falha no pagamento",
     "O pagamento do pedido {{order.number}} não foi aprovado.", NULL, 1, 0},

    /* ---- shipped ---- */
    {"order_shipped", E, "en", "Order {{order.number}} is on its way",
     "Hi {{user.name}},\n\nyour order {{order.number}} has shipped.\n\n"
     "TechCorp\n",
     HEAD "Hi {{user.name}},</p><p>your order <b>{{order.number}}</b> has "
          "shipped." TAIL,
     1, 0},
    {"order_shipped", E, "pt-BR", "Pedido {{order.number}} a caminho",
     "Olá, {{user.name}}!\n\nSeu pedido {{order.number}} foi "
     "enviado.\n\nTechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>Seu pedido <b>{{order.number}}</b> foi "
          "enviado." TAIL,
     1, 0},
    {"order_shipped", I, "en", "Order shipped",
     "Order {{order.number}} has shipped.", NULL, 1, 0},
    {"order_shipped", I, "pt-BR", "Pedido enviado",
     "O pedido {{order.number}} foi enviado.", NULL, 1, 0},

    /* ---- delivered ---- */
    {"order_delivered", E, "en", "Order {{order.number}} delivered",
     "Hi {{user.name}},\n\nyour order {{order.number}} was delivered. "
     "Enjoy!\n\nTechCorp\n",
     HEAD "Hi {{user.name}},</p><p>your order <b>{{order.number}}</b> was "
          "delivered. Enjoy!" TAIL,
     1, 0},
    {"order_delivered", E, "pt-BR", "Pedido {{order.number}} entregue",
     "Olá, {{user.name}}!\n\nSeu pedido {{order.number}} foi entregue. "
     "Aproveite!\n\nTechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>Seu pedido <b>{{order.number}}</b> foi "
          "entregue. Aproveite!" TAIL,
     1, 0},
    {"order_delivered", I, "en", "Order delivered",
     "Order {{order.number}} was delivered.", NULL, 1, 0},
    {"order_delivered", I, "pt-BR", "Pedido entregue",
     "O pedido {{order.number}} foi entregue.", NULL, 1, 0},

    /* ---- e-mail verification (users.registered, ...) ---- */
    {"email_verification", E, "en", "Confirm your e-mail address",
     "Hi {{user.name}},\n\nyour verification code is: {{token}}\n\nIt "
     "expires in {{expires_minutes}} minutes. If you did not create an "
     "account, ignore this message.\n\nTechCorp\n",
     HEAD "Hi {{user.name}},</p><p>your verification code is: "
          "<code>{{token}}</code></p><p>It expires in {{expires_minutes}} "
          "minutes. If you did not create an account, ignore this "
          "message." TAIL,
     1, 0},
    {"email_verification", E, "pt-BR", "Confirme seu e-mail",
     "Olá, {{user.name}}!\n\nSeu código de verificação é: {{token}}\n\nEle "
     "expira em {{expires_minutes}} minutos. Se você não criou uma conta, "
     "ignore esta mensagem.\n\nTechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>Seu código de verificação é: "
          "<code>{{token}}</code></p><p>Ele expira em {{expires_minutes}} "
          "minutos. Se você não criou uma conta, ignore esta "
          "mensagem." TAIL,
     1, 0},

    /* ---- password reset ---- */
    {"password_reset", E, "en", "Reset your password",
     "Hi {{user.name}},\n\nuse this code to reset your password: "
     "{{token}}\n\nIt expires in {{expires_minutes}} minutes. If you did "
     "not ask for it, ignore this message: your password stays the "
     "same.\n\nTechCorp\n",
     HEAD "Hi {{user.name}},</p><p>use this code to reset your password: "
          "<code>{{token}}</code></p><p>It expires in {{expires_minutes}} "
          "minutes. If you did not ask for it, ignore this message: your "
          "password stays the same." TAIL,
     1, 0},
    {"password_reset", E, "pt-BR", "Redefinição de senha",
     "Olá, {{user.name}}!\n\nUse este código para redefinir sua senha: "
     "{{token}}\n\nEle expira em {{expires_minutes}} minutos. Se você não "
     "pediu, ignore esta mensagem: sua senha continua a mesma.\n\n"
     "TechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>Use este código para redefinir sua "
          "senha: <code>{{token}}</code></p><p>Ele expira em "
          "{{expires_minutes}} minutos. Se você não pediu, ignore esta "
          "mensagem: sua senha continua a mesma." TAIL,
     1, 0},

    /* ---- new login (auth.login_succeeded with new_device) ---- */
    {"new_login", E, "en", "New sign-in to your account",
     "Hi {{user.name}},\n\nyour account was signed in to from a new device "
     "(IP {{login.ip}}) at {{login.at}}. If this was not you, reset your "
     "password now.\n\nTechCorp\n",
     HEAD "Hi {{user.name}},</p><p>your account was signed in to from a new "
          "device (IP {{login.ip}}) at {{login.at}}. If this was not you, "
          "reset your password now." TAIL,
     1, 0},
    {"new_login", E, "pt-BR", "Novo acesso à sua conta",
     "Olá, {{user.name}}!\n\nSua conta foi acessada de um novo dispositivo "
     "(IP {{login.ip}}) em {{login.at}}. Se não foi você, redefina sua "
     "senha agora.\n\nTechCorp\n",
     HEAD "Olá, {{user.name}}!</p><p>Sua conta foi acessada de um novo "
          "dispositivo (IP {{login.ip}}) em {{login.at}}. Se não foi você, "
          "redefina sua senha agora." TAIL,
     1, 0},
    {"new_login", I, "en", "New sign-in",
     "New sign-in from {{login.ip}} at {{login.at}}.", NULL, 1, 0},
    {"new_login", I, "pt-BR", "Novo acesso",
     "Novo acesso de {{login.ip}} em {{login.at}}.", NULL, 1, 0},
};

const size_t tc__notify_builtin_count =
    sizeof(tc__notify_builtin) / sizeof(tc__notify_builtin[0]);

const tc_notify_template *tc__notify_builtin_find(const char *name,
                                                  tc_notify_channel ch,
                                                  const char *locale) {
  for (size_t i = 0; i < tc__notify_builtin_count; i++) {
    const tc_notify_template *t = &tc__notify_builtin[i];
    if (t->channel == ch && !strcmp(t->name, name) &&
        !strcasecmp(t->locale, locale))
      return t;
  }
  return NULL;
}
