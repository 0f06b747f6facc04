#include "app/vocab/preview_panel.h"

#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QTextBrowser>
#include <QVBoxLayout>

namespace glossa::app {

using nlohmann::json;

PreviewPanel::PreviewPanel(QWidget* parent)
    : QWidget(parent), summary_(new QLabel), input_(new QLineEdit), view_(new QTextBrowser) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  summary_->setWordWrap(true);
  input_->setPlaceholderText(tr("Text to inspect (token boundaries under both tokenizers)"));
  input_->setText(QStringLiteral("이 영화 정말 재미있어요. The tokenizer splits text."));
  view_->setMaximumHeight(110);
  view_->setOpenLinks(false);
  layout->addWidget(summary_);
  layout->addWidget(input_);
  layout->addWidget(view_);
  connect(input_, &QLineEdit::textEdited, this, &PreviewPanel::textEdited);
}

QString PreviewPanel::text() const { return input_->text(); }
void PreviewPanel::set_text(const QString& text) { input_->setText(text); }
QString PreviewPanel::summary() const { return summary_->text(); }
QString PreviewPanel::inspected_html() const { return view_->toHtml(); }

void PreviewPanel::show_waiting(const QString& message) { summary_->setText(message); }

QString PreviewPanel::spans_html(const QByteArray& text, const json& spans) {
  static const char* const kColors[] = {"#dbe8fb", "#fde2c4", "#d5f0e0", "#f3d5f0"};
  // Byte-fallback tokens of one character (<0xEC> <0x98> <0x81>) are drawn as that character,
  // one box, their ids together in the tooltip: a box per byte would show broken glyphs.
  QString html, titles;
  qsizetype group_begin = -1;
  int k = 0;
  for (const json& s : spans) {
    const qsizetype begin = s.at(2).get<qsizetype>(), end = s.at(3).get<qsizetype>();
    if (group_begin < 0) group_begin = begin;
    titles += QStringLiteral("%1id %2: %3").arg(titles.isEmpty() ? QString() : QStringLiteral(", "))
                  .arg(s.at(0).get<int>())
                  .arg(QString::fromStdString(s.at(1).get<std::string>()).toHtmlEscaped());
    const bool mid_character = end < text.size() && (uchar(text[end]) & 0xC0) == 0x80;
    if (mid_character) continue;
    QString piece = QString::fromUtf8(text.mid(group_begin, end - group_begin)).toHtmlEscaped();
    if (piece.isEmpty()) piece = QStringLiteral("▁");  // the dummy prefix: a token of no bytes
    piece.replace(QLatin1Char(' '), QStringLiteral("&nbsp;"));
    html += QStringLiteral("<span style=\"background:%1; color:#000\" title=\"%2\">%3</span>")
                .arg(QLatin1String(kColors[k++ % 4]), titles, piece);
    titles.clear();
    group_begin = -1;
  }
  return html;
}

void PreviewPanel::show_result(const json& r) {
  const QLocale l;
  const json& b = r.at("base");
  const json& m = r.at("merged");
  summary_->setText(tr("<b>On a sample of the corpus</b> (%1 words): the base tokenizer needs %2 "
                       "tokens (%3 a word), the merged one %4 (%5 a word): <b>%6 %</b> of the "
                       "length, with %7 pieces.")
                        .arg(l.toString(b.at("words").get<qint64>()), l.toString(b.at("tokens").get<qint64>()),
                             l.toString(b.at("fertility").get<double>(), 'f', 2),
                             l.toString(m.at("tokens").get<qint64>()),
                             l.toString(m.at("fertility").get<double>(), 'f', 2),
                             l.toString(r.at("length_ratio").get<double>() * 100, 'f', 1),
                             l.toString(m.at("size").get<qint64>())));
  if (!r.contains("inspect")) return view_->clear();
  const QByteArray text = input_->text().toUtf8();
  const json& in = r.at("inspect");
  view_->setHtml(tr("<p><b>base</b> (%1 tokens): %2</p><p><b>merged</b> (%3 tokens): %4</p>")
                     .arg(in.at("base").size())
                     .arg(spans_html(text, in.at("base")))
                     .arg(in.at("merged").size())
                     .arg(spans_html(text, in.at("merged"))));
}

}  // namespace glossa::app
