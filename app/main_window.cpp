#include "app/main_window.h"

#include <QAction>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QUndoStack>

#include "app/backend_client.h"
#include "app/icons.h"
#include "app/jobs_panel.h"
#include "app/project_controller.h"
#include "app/runs/runs_page.h"
#include "app/vocab/vocabulary_page.h"
#include "widgets/placeholder_page.h"

namespace glossa {

MainWindow::MainWindow(const QString& project_name, app::BackendClient* backend, QWidget* parent)
    : QMainWindow(parent), navigation_(new QListWidget), pages_(new QStackedWidget),
      connection_(new QLabel(tr("backend: not connected"))), undo_(new QUndoStack(this)),
      backend_(backend) {
  setWindowTitle(QStringLiteral("%1 — Glossa").arg(project_name));
  navigation_->setFixedWidth(navigation_->fontMetrics().horizontalAdvance(QStringLiteral("Benchmarks")) + 48);
  auto* central = new QWidget(this);
  auto* layout = new QHBoxLayout(central);
  layout->addWidget(navigation_);
  layout->addWidget(pages_, 1);
  setCentralWidget(central);

  addPlaceholder(tr("Corpus"), tr("Add corpus files, scan them, see statistics and clean them."));
  addPlaceholder(tr("Tokenizer"), tr("Train SentencePiece tokenizers and compare them side by side."));
  if (backend) {
    vocabulary_ = new app::VocabularyPage(backend, undo_);
    addPage(tr("Vocabulary"), vocabulary_);
  } else {
    addPlaceholder(tr("Vocabulary"), tr("Curate the extended vocabulary by token frequency (EEVE)."));
  }
  addPlaceholder(tr("Model"), tr("Open a base model, resize and initialise its embeddings."));
  addPlaceholder(tr("Stages"), tr("Design the freeze schedule: which parameters train in which stage."));
  if (backend) {
    runs_ = new app::RunsPage(backend);
    addPage(tr("Runs"), runs_);
  } else {
    addPlaceholder(tr("Runs"), tr("Start training runs and watch loss and held-out curves live."));
  }
  addPlaceholder(tr("Benchmarks"), tr("KoBEST and German task curves over the tokens seen."));
  connect(navigation_, &QListWidget::currentRowChanged, pages_, &QStackedWidget::setCurrentIndex);
  navigation_->setCurrentRow(0);
  statusBar()->showMessage(tr("Project: %1").arg(project_name));
  statusBar()->addPermanentWidget(connection_);
  if (backend) {
    const auto show = [this](app::BackendClient::State, const QString& text) {
      connection_->setText(tr("backend: %1").arg(text.isEmpty() ? tr("not connected") : text));
    };
    connect(backend, &app::BackendClient::stateChanged, this, show);
    show(backend->state(), backend->state_text());
    projects_ = new app::ProjectController(backend, this);
    connect(projects_, &app::ProjectController::projectOpened, this, &MainWindow::onProjectOpened);
    connect(projects_, &app::ProjectController::failed, this, [this](const QString& path, const QString& why) {
      QMessageBox::warning(this, tr("Cannot open the project"), tr("%1\n\n%2").arg(path, why));
    });
    jobs_ = new app::JobsPanel(backend);
    auto* dock = new QDockWidget(tr("Jobs"), this);
    dock->setObjectName(QStringLiteral("jobs"));
    dock->setWidget(jobs_);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    resizeDocks({dock}, {160}, Qt::Vertical);  // a strip: the pages are what matters
  }
  buildMenus();
  resize(1280, 800);
  QSettings settings;
  restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
  restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  if (projects_) {
    file->addAction(app::themed_icon("document-new"), tr("&New Project…"),
                    QKeySequence::New, this, &MainWindow::newProject);
    file->addAction(app::themed_icon("document-open"), tr("&Open Project…"),
                    QKeySequence::Open, this, &MainWindow::openProject);
    recent_ = file->addMenu(tr("Open &Recent"));
    connect(recent_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    file->addSeparator();
  }
  file->addAction(QIcon::fromTheme(QStringLiteral("application-exit")), tr("&Quit"),
                  QKeySequence::Quit, this, &QWidget::close);
  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  QAction* undo = undo_->createUndoAction(this, tr("&Undo"));
  undo->setShortcut(QKeySequence::Undo);
  undo->setIcon(app::themed_icon("edit-undo"));
  QAction* redo = undo_->createRedoAction(this, tr("&Redo"));
  redo->setShortcut(QKeySequence::Redo);
  redo->setIcon(app::themed_icon("edit-redo"));
  edit->addAction(undo);
  edit->addAction(redo);
}

void MainWindow::fillRecentMenu() {
  recent_->clear();
  for (const QString& path : projects_->recent())
    recent_->addAction(path, this, [this, path] { projects_->open(path); });
  if (recent_->isEmpty()) recent_->addAction(tr("(none yet)"))->setEnabled(false);
}

void MainWindow::newProject() {
  const QString path = QFileDialog::getSaveFileName(this, tr("New project"), QString(),
                                                    tr("Glossa projects (*.glossa)"));
  if (path.isEmpty()) return;
  const QString file = path.endsWith(QLatin1String(".glossa")) ? path : path + QStringLiteral(".glossa");
  bool ok = false;
  const QString name = QInputDialog::getText(this, tr("New project"), tr("Name:"), QLineEdit::Normal,
                                             QFileInfo(file).completeBaseName(), &ok);
  if (ok) projects_->open(file, true, name);
}

void MainWindow::openProject() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Open project"), QString(),
                                                    tr("Glossa projects (*.glossa);;All files (*)"));
  if (!path.isEmpty()) projects_->open(path);
}

void MainWindow::onProjectOpened(const nlohmann::json& project) {
  const QString name = QString::fromStdString(project.value("name", ""));
  setWindowTitle(QStringLiteral("%1 — Glossa").arg(name));
  statusBar()->showMessage(tr("Project: %1 (%2)").arg(name, QString::fromStdString(project.value("path", ""))));
  if (vocabulary_) vocabulary_->set_project(project);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
  settings.setValue(QStringLiteral("window/state"), saveState());
  QMainWindow::closeEvent(event);
}

void MainWindow::addPage(const QString& title, QWidget* page) {
  navigation_->addItem(title);
  pages_->addWidget(page);
}

void MainWindow::addPlaceholder(const QString& title, const QString& description) {
  addPage(title, new PlaceholderPage(title, description));
}

QStringList MainWindow::pageTitles() const {
  QStringList titles;
  for (int i = 0; i < navigation_->count(); ++i) titles << navigation_->item(i)->text();
  return titles;
}

void MainWindow::showPage(int index) { navigation_->setCurrentRow(index); }
int MainWindow::currentPage() const { return pages_->currentIndex(); }
QString MainWindow::connectionText() const { return connection_->text(); }

}  // namespace glossa
